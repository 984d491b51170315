// A small C shim over the system libjpeg (libjpeg-turbo), loaded at run time with dlopen so
// that nothing links against it at build time. When the headers are missing at build time
// (no libjpeg62-turbo-dev), the shim compiles to a stub that reports decoding as unavailable.
#ifndef ESANS_JPEG_H
#define ESANS_JPEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes of the shim's functions.
enum esans_jpeg_status {
    ESANS_JPEG_OK = 0,
    /// Built without libjpeg headers, or the library could not be loaded at run time.
    ESANS_JPEG_UNAVAILABLE = 1,
    /// Not a JPEG, corrupt, truncated, or a colour space that cannot be turned into RGB.
    ESANS_JPEG_BAD_DATA = 2,
    /// Out of memory.
    ESANS_JPEG_NO_MEMORY = 3,
    /// Larger than the caller's pixel limit.
    ESANS_JPEG_TOO_LARGE = 4,
};

/// Returns ESANS_JPEG_OK when JPEG decoding works (libjpeg loaded), else
/// ESANS_JPEG_UNAVAILABLE with the reason in `message` (NUL-terminated, at most `capacity` bytes).
int esans_jpeg_available(char *message, size_t capacity);

/// Decodes the JPEG in `data[0..<size]` to 8-bit RGB, row-major, 3 bytes per pixel.
/// On ESANS_JPEG_OK, `*pixels` holds `*width * *height * 3` bytes to release with
/// `esans_jpeg_free`. On any other status, `*pixels` is NULL and `message` says why.
/// Images of more than `max_pixels` pixels are refused (ESANS_JPEG_TOO_LARGE) before any
/// pixel memory is allocated. Grayscale is expanded to RGB; CMYK and YCCK (Adobe) are
/// converted. A truncated file is an error. Safe to call from several threads at once.
int esans_jpeg_decode_rgb(const uint8_t *data, size_t size, size_t max_pixels,
                          uint8_t **pixels, int *width, int *height,
                          char *message, size_t capacity);

/// Releases pixels returned by `esans_jpeg_decode_rgb` (NULL is fine).
void esans_jpeg_free(uint8_t *pixels);

#ifdef __cplusplus
}
#endif

#endif
