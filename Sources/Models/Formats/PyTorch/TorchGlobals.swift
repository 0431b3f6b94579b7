/// The Python globals a PyTorch state dict may name, and what calling them builds. Any other global is
/// refused by name: a weights file is data, and pipe never runs code from one.
enum TorchGlobals: PickleGlobals {
    private static let functions: Set<String> = [
        "collections.OrderedDict", "torch.Size",
        "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    ]
    private static let dtypes: Set<String> = [
        "float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool",
    ]

    /// The value of a GLOBAL opcode: `.global(name)` when allow-listed.
    static func resolve(module: String, name: String) throws(PickleFailure) -> PickleValue {
        let full = module + "." + name
        let isStorage = (module == "torch" || module == "torch.cuda")
            && (TorchScalarType(rawValue: name) != nil || TorchScalarType.unsupportedStorages.contains(name))
        guard functions.contains(full) || isStorage || (module == "torch" && dtypes.contains(name)) else {
            throw .init("it names the Python global `\(full)`, which is not part of a state dict of tensors, and pipe "
                        + "runs no code from weight files; save only the weights: torch.save(model.state_dict(), path)")
        }
        return .global(full)
    }

    /// The value of REDUCE or NEWOBJ: an OrderedDict, a tensor reference, or a size tuple.
    static func call(_ callable: PickleValue, _ arguments: PickleValue) throws(PickleFailure) -> PickleValue {
        guard case .global(let name) = callable else { throw .init("it calls \(callable.kind), which is not a function") }
        guard case .tuple(let args) = arguments else { throw .init("it calls `\(name)` without an argument tuple") }
        switch name {
        case "collections.OrderedDict":
            // Python 3 pickles an empty OrderedDict and adds items; Python 2 passes a list of pairs.
            let dict = PickleDict()
            for pair in args.first?.items ?? [] {
                guard let kv = pair.items, kv.count == 2 else { throw .init("an OrderedDict item is not a pair") }
                dict.set(kv[0], kv[1])
            }
            return .dict(dict)
        case "torch.Size":
            guard let sizes = args.first, case .tuple = sizes else { throw .init("torch.Size without a tuple") }
            return sizes
        case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
            guard args.count >= 4, case .storage(let storage) = args[0], let offset = args[1].intValue,
                  let shape = integers(args[2]), let strides = integers(args[3]) else {
                throw .init("`\(name)` is not given (storage, offset, sizes, strides)")
            }
            return .tensor(TorchTensorReference(storage: storage, offset: offset, shape: shape, strides: strides))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let data = args.first, case .tensor = data else { throw .init("`\(name)` is not given a tensor") }
            return data
        default:
            throw .init("it calls `\(name)`, which is not a function")
        }
    }

    private static func integers(_ value: PickleValue) -> [Int]? {
        guard let items = value.items else { return nil }
        let numbers = items.compactMap(\.intValue)
        return numbers.count == items.count ? numbers : nil
    }
}
