/// Settings of the HTTP service.
public struct ServerOptions: Sendable {
    /// Address to bind (loopback by default).
    public var host: String
    /// Port to bind (0: any free port).
    public var port: Int
    /// Largest request body accepted, in bytes (larger bodies get 413).
    public var maxBodyBytes: Int

    /// Options for `host:port` with a body limit of `maxBodyBytes`.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 256 * 1024) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
    }
}
