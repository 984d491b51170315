import NumCore

/// An error of the image encoder: a file that cannot be read or decoded, weights that are
/// missing or of the wrong shape, or JPEG decoding that is unavailable (``ModelFileError``).
public typealias EncoderError = ModelFileError
