#if canImport(Glibc)
import Glibc
#endif

/// Hands memory the process has freed back to the system.
///
/// glibc keeps freed blocks of its heap for later allocations, and after a large block is
/// freed it raises its threshold for serving big blocks with `mmap` (up to 32 MiB), so the
/// transient arrays of a file load stay in the resident set afterwards. `malloc_trim(0)`
/// returns the free pages, including those between live blocks. Elsewhere (or if the C
/// library has no `malloc_trim`) this does nothing.
public enum HeapTrim {
    #if canImport(Glibc)
    /// glibc's `malloc_trim`, looked up at run time (`<malloc.h>` is not in the Glibc module).
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif

    /// Returns the heap's free pages to the system (glibc only); a few milliseconds.
    public static func release() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
