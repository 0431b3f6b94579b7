/// Output buffers a graph lends its layers in inference and takes back once no later layer reads them.
///
/// A request gets the smallest free buffer that holds it (a view when the shape differs) or a new one, so
/// after the first batch of a shape a forward pass allocates no storage, and the memory held follows the
/// activations alive at one time rather than the sum of every layer's output. Not thread-safe: one forward
/// pass uses it at a time.
public final class TensorPool {
    private var buffers: [ObjectIdentifier: Tensor] = [:]
    private var free: [Tensor] = []
    private var lent: Set<ObjectIdentifier> = []
    /// The bytes of the buffers lent out now.
    public private(set) var liveBytes = 0
    /// The most bytes lent out at one time since the pool was created or last drained.
    public private(set) var peakLiveBytes = 0

    public init() {}

    /// The bytes of all buffers the pool holds, lent or free.
    public var heldBytes: Int { buffers.values.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.stride }

    /// A tensor of `shape` whose contents are unspecified, lent until `giveBack` or `reclaimAll`.
    public func take(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let index = free.indices.filter { free[$0].count >= count }.min { free[$0].count < free[$1].count }
        let buffer: Tensor
        if let index {
            buffer = free.remove(at: index)
        } else {
            buffer = Tensor(shape: [count])
            buffers[ObjectIdentifier(buffer)] = buffer
        }
        lent.insert(ObjectIdentifier(buffer))
        liveBytes += buffer.count * MemoryLayout<Float>.stride
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        return buffer.shape == shape ? buffer : Tensor(viewing: buffer, shape: shape)
    }

    /// Whether `tensor` is, or views, a buffer of this pool.
    public func owns(_ tensor: Tensor) -> Bool { buffers[ObjectIdentifier(tensor.base ?? tensor)] != nil }

    /// Returns the buffer under `tensor` to the free list; tensors the pool did not lend are ignored.
    public func giveBack(_ tensor: Tensor) {
        let buffer = tensor.base ?? tensor
        guard lent.remove(ObjectIdentifier(buffer)) != nil else { return }
        liveBytes -= buffer.count * MemoryLayout<Float>.stride
        free.append(buffer)
    }

    /// Takes back every lent buffer except the one under `kept`, at the start of a forward pass.
    public func reclaimAll(except kept: Tensor?) {
        let keptID = kept.map { ObjectIdentifier($0.base ?? $0) }
        for id in lent where id != keptID { giveBack(buffers[id]!) }
    }

    /// Lets go of every buffer, so their memory is freed once no one else holds them (before training).
    public func drain() {
        buffers = [:]
        free = []
        lent = []
        liveBytes = 0
        peakLiveBytes = 0
    }
}
