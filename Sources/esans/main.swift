print("esans")
