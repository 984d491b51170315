#ifndef ESANS_PREFETCH_H
#define ESANS_PREFETCH_H

/// Asks the cache to fetch `bytes` bytes from `p` for reading soon (one hint per 64-byte line).
/// A hint only: it never faults and changes no value. Swift cannot call the compiler builtin
/// itself (`_mm_prefetch` is a macro), so the gathers of model-scored samplers call this.
static inline void esans_prefetch_read(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long off = 0; off < bytes; off += 64) { __builtin_prefetch(c + off, 0, 3); }
}

#endif
