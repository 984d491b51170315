#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation of matrix storage. Large blocks (>= 4 MiB) are 2 MiB-aligned and, on Linux,
/// marked `MADV_HUGEPAGE`, so that kernels walking them with large strides (a transposed
/// operand, rows of a score matrix) hit one TLB entry per 2 MiB instead of per 4 KiB.
enum HugePageAllocator {
    static let hugeThreshold = 4 << 20
    static let hugeAlignment = 2 << 20

    static func allocate(floats n: Int) -> UnsafeMutablePointer<Float> {
        let bytes = n * MemoryLayout<Float>.stride
        if bytes >= hugeThreshold {
            var p: UnsafeMutableRawPointer? = nil
            if posix_memalign(&p, hugeAlignment, bytes) == 0, let p {
                #if os(Linux)
                _ = madvise(p, bytes, 14 /* MADV_HUGEPAGE */)
                #endif
                return p.bindMemory(to: Float.self, capacity: n)
            }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Float.self, capacity: n)
    }

    static func free(_ p: UnsafeMutablePointer<Float>, floats n: Int) {
        if n * MemoryLayout<Float>.stride >= hugeThreshold {
            Glibc.free(UnsafeMutableRawPointer(p))
        } else {
            UnsafeMutableRawPointer(p).deallocate()
        }
    }
}
