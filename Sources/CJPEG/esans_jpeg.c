// JPEG decoding through the system libjpeg, loaded with dlopen at first use.
// Built as a stub when <jpeglib.h> is missing (or with -DESANS_NO_LIBJPEG, to test that path).
#include "esans_jpeg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#  if __has_include(<jpeglib.h>) && !defined(ESANS_NO_LIBJPEG)
#    define ESANS_HAVE_JPEGLIB 1
#  endif
#endif

static void set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text);
}

void esans_jpeg_free(uint8_t *pixels) { free(pixels); }

#ifndef ESANS_HAVE_JPEGLIB

static const char *unavailable =
    "JPEG decoding unavailable: esans was built without the libjpeg headers; "
    "install libjpeg62-turbo-dev (apt-get install libjpeg62-turbo-dev) and rebuild";

int esans_jpeg_available(char *message, size_t capacity) {
    set_message(message, capacity, unavailable);
    return ESANS_JPEG_UNAVAILABLE;
}

int esans_jpeg_decode_rgb(const uint8_t *data, size_t size, size_t max_pixels, uint8_t **pixels,
                          int *width, int *height, char *message, size_t capacity) {
    (void)data; (void)size; (void)max_pixels;
    if (pixels) *pixels = NULL;
    if (width) *width = 0;
    if (height) *height = 0;
    set_message(message, capacity, unavailable);
    return ESANS_JPEG_UNAVAILABLE;
}

#else

#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

// The library functions, resolved once. Their types come from the header itself.
static struct {
    __typeof__(&jpeg_std_error) std_error;
    __typeof__(&jpeg_CreateDecompress) create_decompress;
    __typeof__(&jpeg_destroy_decompress) destroy_decompress;
    __typeof__(&jpeg_mem_src) mem_src;
    __typeof__(&jpeg_read_header) read_header;
    __typeof__(&jpeg_start_decompress) start_decompress;
    __typeof__(&jpeg_read_scanlines) read_scanlines;
    __typeof__(&jpeg_finish_decompress) finish_decompress;
    int loaded;
    char failure[512];
} lib;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

#define ESANS_STR2(x) #x
#define ESANS_STR(x) ESANS_STR2(x)

static void load_library(void) {
    // The soname must match the ABI of the header compiled against (struct sizes differ
    // between the jpeg 6b, 7 and 8 APIs; jpeg_CreateDecompress checks them too).
    const char *names[] = {
#if defined(__APPLE__)
        "libjpeg.dylib", "/opt/homebrew/lib/libjpeg.dylib", "/usr/local/lib/libjpeg.dylib",
#else
#  if JPEG_LIB_VERSION == 62
        "libjpeg.so.62",
#  elif JPEG_LIB_VERSION == 70
        "libjpeg.so.7",
#  elif JPEG_LIB_VERSION == 80
        "libjpeg.so.8",
#  elif JPEG_LIB_VERSION == 90
        "libjpeg.so.9",
#  endif
        "libjpeg.so",
#endif
    };
    void *handle = NULL;
    const char *why = "not found";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && handle == NULL; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL && dlerror() != NULL) why = "dlopen failed";
    }
    if (handle == NULL) {
        snprintf(lib.failure, sizeof(lib.failure),
                 "JPEG decoding unavailable: cannot load libjpeg (%s, API version " ESANS_STR(JPEG_LIB_VERSION)
                 "); install libjpeg62-turbo (apt-get install libjpeg62-turbo-dev)", why);
        return;
    }
#define ESANS_LOAD(field, symbol)                                                              \
    *(void **)(&lib.field) = dlsym(handle, #symbol);                                           \
    if (lib.field == NULL) {                                                                   \
        snprintf(lib.failure, sizeof(lib.failure),                                             \
                 "JPEG decoding unavailable: the loaded libjpeg has no symbol " #symbol);       \
        return;                                                                                \
    }
    ESANS_LOAD(std_error, jpeg_std_error)
    ESANS_LOAD(create_decompress, jpeg_CreateDecompress)
    ESANS_LOAD(destroy_decompress, jpeg_destroy_decompress)
    ESANS_LOAD(mem_src, jpeg_mem_src)
    ESANS_LOAD(read_header, jpeg_read_header)
    ESANS_LOAD(start_decompress, jpeg_start_decompress)
    ESANS_LOAD(read_scanlines, jpeg_read_scanlines)
    ESANS_LOAD(finish_decompress, jpeg_finish_decompress)
#undef ESANS_LOAD
    lib.loaded = 1;
}

int esans_jpeg_available(char *message, size_t capacity) {
    pthread_once(&load_once, load_library);
    if (!lib.loaded) {
        set_message(message, capacity, lib.failure);
        return ESANS_JPEG_UNAVAILABLE;
    }
    set_message(message, capacity, "");
    return ESANS_JPEG_OK;
}

// Errors jump back to the decoder instead of exit(); warnings are remembered, and a
// premature end of data (a truncated file) is turned into an error after decoding.
struct esans_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char text[JMSG_LENGTH_MAX];
    int truncated;
};

static void on_error_exit(j_common_ptr cinfo) {
    struct esans_error *e = (struct esans_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->text);
    longjmp(e->jump, 1);
}

static void on_emit_message(j_common_ptr cinfo, int level) {
    struct esans_error *e = (struct esans_error *)cinfo->err;
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) e->truncated = 1;
        cinfo->err->num_warnings++;
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

int esans_jpeg_decode_rgb(const uint8_t *data, size_t size, size_t max_pixels, uint8_t **pixels,
                          int *width, int *height, char *message, size_t capacity) {
    *pixels = NULL;
    *width = 0;
    *height = 0;
    if (esans_jpeg_available(message, capacity) != ESANS_JPEG_OK) return ESANS_JPEG_UNAVAILABLE;
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) {
        set_message(message, capacity, size < 4 ? "too short to be a JPEG" : "not a JPEG (no SOI marker FF D8 at the start)");
        return ESANS_JPEG_BAD_DATA;
    }
    if (size > (size_t)0x7FFFFFFF) {
        set_message(message, capacity, "file larger than 2 GiB");
        return ESANS_JPEG_TOO_LARGE;
    }

    struct jpeg_decompress_struct cinfo;
    struct esans_error err;
    memset(&err, 0, sizeof(err));
    uint8_t *volatile out = NULL;
    uint8_t *volatile row = NULL;
    volatile int status = ESANS_JPEG_BAD_DATA;
    volatile int created = 0;

    cinfo.err = lib.std_error(&err.pub);
    err.pub.error_exit = on_error_exit;
    err.pub.emit_message = on_emit_message;
    err.pub.output_message = on_output_message;
    if (setjmp(err.jump)) {
        set_message(message, capacity, err.text);
        goto done;
    }
    lib.create_decompress(&cinfo, JPEG_LIB_VERSION, sizeof(struct jpeg_decompress_struct));
    created = 1;
    lib.mem_src(&cinfo, (unsigned char *)data, (unsigned long)size);
    lib.read_header(&cinfo, TRUE);

    const int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    if (cinfo.image_width == 0 || cinfo.image_height == 0) {
        set_message(message, capacity, "image has zero width or height");
        goto done;
    }
    if ((size_t)cinfo.image_width * (size_t)cinfo.image_height > max_pixels) {
        snprintf(message, capacity, "image of %u x %u pixels is larger than the limit of %zu pixels",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height, max_pixels);
        status = ESANS_JPEG_TOO_LARGE;
        goto done;
    }
    lib.start_decompress(&cinfo);
    const int components = cinfo.output_components;
    if (components != (cmyk ? 4 : 3)) {
        snprintf(message, capacity, "decoder produced %d components per pixel, expected %d", components, cmyk ? 4 : 3);
        goto done;
    }
    const size_t w = cinfo.output_width, h = cinfo.output_height;
    out = (uint8_t *)malloc(w * h * 3);
    row = (uint8_t *)malloc(w * (size_t)components);
    if (out == NULL || row == NULL) {
        set_message(message, capacity, "out of memory");
        status = ESANS_JPEG_NO_MEMORY;
        goto done;
    }
    // Adobe CMYK JPEGs store inverted ink values.
    const int inverted = cmyk && cinfo.saw_Adobe_marker;
    while (cinfo.output_scanline < cinfo.output_height) {
        const size_t y = cinfo.output_scanline;
        JSAMPROW target = cmyk ? (JSAMPROW)row : (JSAMPROW)(out + y * w * 3);
        if (lib.read_scanlines(&cinfo, &target, 1) != 1) {
            set_message(message, capacity, "decoder returned no scanline (truncated?)");
            goto done;
        }
        if (cmyk) {
            uint8_t *dst = out + y * w * 3;
            for (size_t x = 0; x < w; x++) {
                unsigned c = row[4 * x], m = row[4 * x + 1], yy = row[4 * x + 2], k = row[4 * x + 3];
                if (!inverted) { c = 255 - c; m = 255 - m; yy = 255 - yy; k = 255 - k; }
                dst[3 * x] = (uint8_t)((c * k + 127) / 255);
                dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
                dst[3 * x + 2] = (uint8_t)((yy * k + 127) / 255);
            }
        }
    }
    lib.finish_decompress(&cinfo);
    if (err.truncated) {
        set_message(message, capacity, "truncated: Premature end of JPEG file");
        goto done;
    }
    *pixels = out;
    *width = (int)w;
    *height = (int)h;
    out = NULL;
    status = ESANS_JPEG_OK;
    set_message(message, capacity, "");

done:
    if (created) lib.destroy_decompress(&cinfo);
    free(row);
    free(out);
    return status;
}

#endif
