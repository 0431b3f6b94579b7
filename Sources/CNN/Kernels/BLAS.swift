import COpenBLAS

/// What the linked OpenBLAS runs with, for benchmarks and diagnostics.
public enum BLAS {
    /// The CPU kernel family OpenBLAS picked, e.g. `SkylakeX` or `Haswell`.
    ///
    /// On virtual CPUs that report a generic model name OpenBLAS 0.3.21 may fall back to `Prescott`
    /// (SSE3 only, several times slower); setting `OPENBLAS_CORETYPE=SkylakeX` (or `Haswell`) before
    /// the process starts selects the right kernels.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The number of threads OpenBLAS uses for one GEMM, which pipe's kernels also split a large GEMM
    /// into (`GemmKernel.run`).
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(newValue, 1))) }
    }

    /// Whether OpenBLAS runs its generic fallback kernels rather than ones for this CPU.
    public static var usesGenericKernels: Bool {
        ["prescott", "generic", "core2", "katmai", "coppermine", "northwood"].contains(coreName.lowercased())
    }
}
