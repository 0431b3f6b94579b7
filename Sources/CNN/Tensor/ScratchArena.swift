/// A grow-only scratch arena for kernel temporaries such as im2col matrices.
///
/// A single arena is shared by all layers of a model; it only reallocates when a request is
/// larger than anything seen before, so steady-state training steps do not allocate. It is not
/// thread-safe: one model step uses it at a time.
public final class ScratchArena: @unchecked Sendable {
    private var storage: UnsafeMutablePointer<Float>
    /// The number of floats currently available.
    public private(set) var capacity: Int

    /// Creates an arena with an initial capacity in floats.
    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// Returns scratch memory for at least `count` floats; the contents are unspecified.
    ///
    /// The pointer stays valid until the next call that asks for more than `capacity`.
    public func scratch(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            storage.deallocate()
            capacity = count
            storage = .allocate(capacity: count)
        }
        return storage
    }

    /// The largest number of floats one scratch matrix may hold before kernels split their work;
    /// 2 Mi floats (8 MiB) keeps an im2col slice in cache until its GEMM reads it while giving the
    /// GEMM a few thousand rows; on the 2-core development machine DenseNet's 3x3 convolutions ran
    /// faster this way than with whole-batch (32 Mi float) slices. Kernels that run their own threads
    /// give each thread blocks of an eighth of this (1 MiB), which stay in that core's L2 cache.
    public var preferredLimit = 2 << 20
}
