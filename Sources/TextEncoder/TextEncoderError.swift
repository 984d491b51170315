import NumCore

/// An error loading the text encoder: a missing or malformed file, a configuration the
/// encoder does not support, or a tensor of the wrong shape (``ModelFileError``).
public typealias TextEncoderError = ModelFileError
