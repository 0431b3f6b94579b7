/// A value on the stack of `PickleMachine`: plain Python data, an allow-listed global, or the storages
/// and tensors of a PyTorch checkpoint. Lists and dicts are shared references, as in Python, so items
/// appended through the memo reach every holder.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int` (LONG1/LONG4), as little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// An allow-listed global by its dotted name, e.g. `torch._utils._rebuild_tensor_v2`.
    case global(String)
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)

    /// A short description for error messages: the Python type, not the contents.
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int, .bigInt: "an int"
        case .float: "a float"
        case .string: "a string"
        case .bytes: "bytes"
        case .tuple: "a tuple"
        case .list: "a list"
        case .dict: "a dict"
        case .global(let name): "`\(name)`"
        case .storage: "a storage"
        case .tensor: "a tensor"
        }
    }

    var intValue: Int? {
        switch self {
        case .int(let value): value
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The items of a tuple or list.
    var items: [PickleValue]? {
        switch self {
        case .tuple(let items): items
        case .list(let list): list.items
        default: nil
        }
    }
}

/// A Python list, shared by reference.
final class PickleList {
    var items: [PickleValue]
    /// How deeply values nest inside it, counting itself (`PickleMachine` keeps it up to date).
    var depth = 1
    /// Set once it is an item of another value, after which it may not change (its holders' depths would be stale).
    var sealed = false
    init(_ items: [PickleValue] = []) { self.items = items }
}
