import CGemm

/// A GEMM's B packed once into a kernel's panel layout for many products with it (a layer's weights over the
/// row blocks or tiles of one call), so each product skips packing it again. Lives in the caller's scratch.
struct PackedOperand {
    let kernel: GemmKernel
    let k: Int, n: Int
    let pointer: UnsafePointer<Float>

    /// Floats a `k x n` B needs on `kernel`, with room to align it; 0 where the kernel cannot (OpenBLAS).
    static func scratchSize(_ kernel: GemmKernel, k: Int, n: Int) -> Int {
        guard let code = kernel.code, kernel.isAvailable else { return 0 }
        return cgemm_packed_b_size(code, k, n) + 16
    }

    /// Packs `op(B)` (`k x n`, row stride `ldb`) into `scratch` (`scratchSize` floats); nil on OpenBLAS.
    init?(kernel: GemmKernel, transposeB: Bool = false, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int,
          scratch: UnsafeMutablePointer<Float>) {
        guard let code = kernel.code, kernel.isAvailable, k > 0, n > 0 else { return nil }
        // The kernels read panels with aligned loads of up to 64 bytes.
        let aligned = UnsafeMutablePointer<Float>(bitPattern: (Int(bitPattern: scratch) + 63) & ~63)!
        guard cgemm_pack_b(code, transposeB ? 1 : 0, k, n, b, ldb, aligned) == 0 else { return nil }
        self.kernel = kernel
        self.k = k
        self.n = n
        pointer = UnsafePointer(aligned)
    }
}
