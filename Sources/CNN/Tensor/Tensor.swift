import Foundation

/// A contiguous Float32 tensor in NHWC order that owns its storage.
///
/// NHWC is used because every pixel's channels are adjacent: a 1x1 convolution is then one GEMM
/// over `N*H*W` rows, and a DenseNet block can keep all its features in one preallocated channel
/// buffer that each layer's GEMM reads as a matrix with a leading dimension, without copies.
/// Tensors are reference types so layers can keep and reuse their buffers across training steps.
public final class Tensor: @unchecked Sendable {
    /// The dimensions, outermost first: `[N, H, W, C]` for images, `[N, F]` for features.
    public let shape: [Int]
    /// The number of elements, the product of `shape`.
    public let count: Int
    /// The elements in row-major order.
    public let data: UnsafeMutablePointer<Float>
    /// The tensor whose storage this one views, or nil when it owns its storage.
    let base: Tensor?

    /// Creates a zero-filled tensor.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = .allocate(capacity: max(count, 1))
        data.initialize(repeating: 0, count: max(count, 1))
        base = nil
        AllocationCounter.increment()
    }

    /// A tensor of `shape` on the first elements of `storage`'s memory, which must hold at least that many.
    init(viewing storage: Tensor, shape: [Int]) {
        let owner = storage.base ?? storage
        self.shape = shape
        self.count = shape.reduce(1, *)
        precondition(count <= owner.count, "a view of \(shape) on \(owner.count) elements")
        self.data = owner.data
        base = owner
    }

    /// Creates a tensor holding `values`, which must have `shape`'s element count.
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { if base == nil { data.deallocate() } }

    /// The elements copied into an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The last dimension, the channel count for NHWC tensors.
    public var channels: Int { shape.last ?? 1 }

    /// The number of rows when the tensor is viewed as a `[count / channels, channels]` matrix.
    public var rows: Int { channels == 0 ? 0 : count / channels }

    /// Sets every element to zero.
    public func zero() { data.update(repeating: 0, count: count) }

    /// Copies all elements from `other`, which must have the same element count.
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy from \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    /// How many tensors have been created so far in this process; tests use it to check that
    /// steady-state training steps allocate none.
    public static var allocationCount: Int { AllocationCounter.value }

    /// Returns `existing` when it already has `shape`, otherwise a new zeroed tensor.
    ///
    /// Layers keep their outputs and gradients in optional properties and refresh them with this,
    /// so a training step with unchanged shapes allocates nothing.
    public static func reusing(_ existing: Tensor?, shape: [Int]) -> Tensor {
        if let existing, existing.shape == shape { return existing }
        return Tensor(shape: shape)
    }

    /// The input-gradient buffer a layer's backward writes into, kept in `buffer` for the next step;
    /// nil when the input needs no gradient.
    public static func gradientBuffer(_ buffer: inout Tensor?, shape: [Int], needed: Bool) -> Tensor? {
        guard needed else { return nil }
        buffer = reusing(buffer, shape: shape)
        return buffer
    }
}

/// A process-wide count of tensor allocations.
private enum AllocationCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var count = 0

    static func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    static var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
