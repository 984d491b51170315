import NumCore

/// An error in MSAC's inputs or outputs: a missing or malformed feature, image or item file,
/// an option the data cannot serve, or an `esans cluster` output that does not fit
/// (``ModelFileError``).
public typealias SemanticError = ModelFileError
