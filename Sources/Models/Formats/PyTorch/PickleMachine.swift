import Foundation

/// Evaluates a Python pickle as data only: the opcodes PyTorch checkpoints use (protocols 2 to 5), with
/// globals limited to an allow-list (`globals`, e.g. `TorchGlobals`), so a weights file can never make pipe run code.
struct PickleMachine {
    /// Real checkpoints nest values a handful of levels deep; freeing a value nested thousands deep recurses
    /// through every level and would overflow the stack, so deeper values are refused as they are built.
    static let maxDepth = 200
    /// The file, for messages.
    let path: String
    /// Which pickle in the file, for messages: `archive/data.pkl`, `the state dict pickle`.
    let part: String
    /// The Python globals the pickle may name and call.
    let globals: any PickleGlobals.Type
    /// Turns a persistent id (BINPERSID) into a value, e.g. a storage reference.
    let persistentLoad: (PickleValue) throws(PickleFailure) -> PickleValue

    /// Runs the pickle starting at `start` up to its STOP and returns its value and the offset after STOP.
    func run(_ bytes: UnsafeRawBufferPointer, from start: Int = 0) throws -> (value: PickleValue, end: Int) {
        var state = State(bytes: bytes, position: start)
        do {
            while true {
                let opcode = try state.byte()
                if opcode == 0x2E {
                    guard let value = state.stack.popLast() else { throw PickleFailure("STOP with an empty stack") }
                    return (value, state.position)
                }
                try step(opcode, &state)
            }
        } catch let failure as PickleFailure {
            throw ModelError.unreadableWeights(path: path, reason: "\(part), byte \(state.opcodeStart - start): \(failure.reason)")
        }
    }

    private struct State {
        let bytes: UnsafeRawBufferPointer
        var position: Int
        var opcodeStart = 0
        var stack: [PickleValue] = []
        /// The nesting depth of each stack value (scalars 0); a list's or dict's own `depth` is the live one.
        var depths: [Int] = []
        var marks: [Int] = []
        var memo: [Int: (value: PickleValue, depth: Int)] = [:]

        mutating func byte() throws(PickleFailure) -> UInt8 {
            opcodeStart = position
            return try take(1)[0]
        }

        mutating func take(_ count: Int) throws(PickleFailure) -> UnsafeRawBufferPointer {
            guard count >= 0, count <= bytes.count - position else {
                throw PickleFailure("the pickle ends early (the file is truncated)")
            }
            defer { position += count }
            return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        }

        /// A little-endian unsigned integer of `width` bytes.
        mutating func unsigned(_ width: Int) throws(PickleFailure) -> Int {
            try take(width).reversed().reduce(0) { $0 << 8 | Int($1) }
        }

        mutating func line() throws(PickleFailure) -> String {
            guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw PickleFailure("a GLOBAL name has no end") }
            defer { position = end + 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }

        /// Pushes a scalar, or a container whose items are `items` with depth `itemDepth`; the items are sealed.
        mutating func push(_ value: PickleValue, holding items: [PickleValue] = [], itemDepth: Int = -1) throws(PickleFailure) {
            for item in items { Self.seal(item) }
            let depth = itemDepth + 1
            guard depth <= PickleMachine.maxDepth else {
                throw PickleFailure("values nested more than \(PickleMachine.maxDepth) deep; no PyTorch checkpoint nests so deep")
            }
            stack.append(value)
            depths.append(max(depth, Self.liveDepth(value, recorded: depth)))
        }

        mutating func pop() throws(PickleFailure) -> PickleValue { try popWithDepth().value }

        mutating func popWithDepth() throws(PickleFailure) -> (value: PickleValue, depth: Int) {
            guard let value = stack.popLast(), let depth = depths.popLast() else { throw PickleFailure("the stack is empty") }
            return (value, Self.liveDepth(value, recorded: depth))
        }

        /// The values above the last MARK, and the deepest of them.
        mutating func popToMark() throws(PickleFailure) -> (items: [PickleValue], depth: Int) {
            guard let mark = marks.popLast(), mark <= stack.count else { throw PickleFailure("no MARK to close") }
            defer {
                stack.removeSubrange(mark...)
                depths.removeSubrange(mark...)
            }
            let items = Array(stack[mark...])
            let depth = zip(items, depths[mark...]).map { Self.liveDepth($0, recorded: $1) }.max() ?? -1
            return (items, depth)
        }

        func top() throws(PickleFailure) -> PickleValue {
            guard let value = stack.last else { throw PickleFailure("the stack is empty") }
            return value
        }

        /// Records that the list or dict on top of the stack now holds values `itemDepth` deep.
        mutating func deepenTop(by itemDepth: Int) throws(PickleFailure) {
            guard let last = depths.indices.last else { throw PickleFailure("the stack is empty") }
            let depth = max(depths[last], itemDepth + 1)
            guard depth <= PickleMachine.maxDepth else {
                throw PickleFailure("values nested more than \(PickleMachine.maxDepth) deep; no PyTorch checkpoint nests so deep")
            }
            depths[last] = depth
            switch stack[last] {
            case .list(let list): list.depth = depth
            case .dict(let dict): dict.depth = depth
            default: break
            }
        }

        /// Fails when the list or dict on top of the stack is already held by another value.
        func checkUnsealed() throws(PickleFailure) {
            let sealed = switch try top() {
            case .list(let list): list.sealed
            case .dict(let dict): dict.sealed
            default: false
            }
            if sealed { throw PickleFailure("a list or dict changes after another value took it; PyTorch checkpoints never do this") }
        }

        static func liveDepth(_ value: PickleValue, recorded: Int) -> Int {
            switch value {
            case .list(let list): list.depth
            case .dict(let dict): dict.depth
            default: recorded
            }
        }

        static func seal(_ value: PickleValue) {
            switch value {
            case .list(let list): list.sealed = true
            case .dict(let dict): dict.sealed = true
            default: break
            }
        }
    }

    // Opcode names follow Python's pickletools.
    private func step(_ opcode: UInt8, _ s: inout State) throws(PickleFailure) {
        switch opcode {
        case 0x80: // PROTO
            let version = try s.unsigned(1)
            guard version <= 5 else { throw PickleFailure("pickle protocol \(version) is newer than any pipe knows") }
        case 0x95: _ = try s.take(8) // FRAME: a length hint only
        case 0x28: s.marks.append(s.stack.count) // MARK
        case 0x7D: try s.push(.dict(PickleDict()), itemDepth: 0) // EMPTY_DICT
        case 0x5D: try s.push(.list(PickleList()), itemDepth: 0) // EMPTY_LIST
        case 0x29: try s.push(.tuple([]), itemDepth: 0) // EMPTY_TUPLE
        case 0x74: // TUPLE
            let (items, depth) = try s.popToMark()
            try s.push(.tuple(items), holding: items, itemDepth: max(depth, 0))
        case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
            var items: [PickleValue] = [], depth = 0
            for _ in 0..<Int(opcode - 0x84) {
                let (item, itemDepth) = try s.popWithDepth()
                items.insert(item, at: 0)
                depth = max(depth, itemDepth)
            }
            try s.push(.tuple(items), holding: items, itemDepth: depth)
        case 0x4A: try s.push(.int(Int(Int32(truncatingIfNeeded: try s.unsigned(4))))) // BININT
        case 0x4B: try s.push(.int(try s.unsigned(1))) // BININT1
        case 0x4D: try s.push(.int(try s.unsigned(2))) // BININT2
        case 0x8A, 0x8B: // LONG1, LONG4
            try s.push(Self.long(Array(try s.take(try s.unsigned(opcode == 0x8A ? 1 : 4)))))
        case 0x47: // BINFLOAT, big-endian
            try s.push(.float(Double(bitPattern: try s.take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
        case 0x58, 0x8C, 0x8D: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
            let length = try s.unsigned(opcode == 0x8C ? 1 : opcode == 0x58 ? 4 : 8)
            try s.push(.string(String(decoding: try s.take(length), as: UTF8.self)))
        case 0x54, 0x55: // BINSTRING, SHORT_BINSTRING: Python 2 str, read as UTF-8 (else Latin-1)
            let raw = Array(try s.take(try s.unsigned(opcode == 0x55 ? 1 : 4)))
            try s.push(.string(String(validating: raw, as: UTF8.self) ?? String(raw.map { Character(Unicode.Scalar($0)) })))
        case 0x42, 0x43: // BINBYTES, SHORT_BINBYTES
            try s.push(.bytes(Array(try s.take(try s.unsigned(opcode == 0x43 ? 1 : 4)))))
        case 0x4E: try s.push(.none) // NONE
        case 0x88, 0x89: try s.push(.bool(opcode == 0x88)) // NEWTRUE, NEWFALSE
        case 0x63: // GLOBAL
            let module = try s.line()
            try s.push(try globals.resolve(module: module, name: try s.line()))
        case 0x93: // STACK_GLOBAL
            let name = try s.pop(), module = try s.pop()
            guard let module = module.stringValue, let name = name.stringValue else {
                throw PickleFailure("STACK_GLOBAL needs two strings")
            }
            try s.push(try globals.resolve(module: module, name: name))
        case 0x52, 0x81: // REDUCE, NEWOBJ
            let (arguments, depth) = try s.popWithDepth()
            let callable = try s.pop()
            try s.push(try globals.call(callable, arguments), holding: [arguments] + (arguments.items ?? []), itemDepth: depth)
        case 0x62: // BUILD: only the state of an OrderedDict (its `_metadata`) or a tensor, both unused
            _ = try s.pop()
            switch try s.top() {
            case .dict, .tensor: break
            case let other: throw PickleFailure("cannot set the state of \(other.kind)")
            }
        case 0x73: // SETITEM
            let (value, valueDepth) = try s.popWithDepth()
            let (key, keyDepth) = try s.popWithDepth()
            guard case .dict(let dict) = try s.top() else { throw PickleFailure("SETITEM on \(try s.top().kind)") }
            try s.checkUnsealed()
            try s.deepenTop(by: max(valueDepth, keyDepth))
            State.seal(key)
            State.seal(value)
            dict.set(key, value)
        case 0x75: // SETITEMS
            let (items, depth) = try s.popToMark()
            guard case .dict(let dict) = try s.top(), items.count % 2 == 0 else { throw PickleFailure("SETITEMS without a dict") }
            try s.checkUnsealed()
            try s.deepenTop(by: depth)
            items.forEach(State.seal)
            for index in stride(from: 0, to: items.count, by: 2) { dict.set(items[index], items[index + 1]) }
        case 0x61, 0x65: // APPEND, APPENDS
            var items: [PickleValue], depth: Int
            if opcode == 0x61 {
                let (item, itemDepth) = try s.popWithDepth()
                (items, depth) = ([item], itemDepth)
            } else {
                (items, depth) = try s.popToMark()
            }
            guard case .list(let list) = try s.top() else { throw PickleFailure("APPEND to \(try s.top().kind)") }
            try s.checkUnsealed()
            try s.deepenTop(by: depth)
            items.forEach(State.seal)
            list.items += items
        case 0x71, 0x72, 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
            let index = opcode == 0x94 ? s.memo.count : try s.unsigned(opcode == 0x71 ? 1 : 4)
            s.memo[index] = (try s.top(), s.depths.last ?? 0)
        case 0x68, 0x6A: // BINGET, LONG_BINGET
            let index = try s.unsigned(opcode == 0x68 ? 1 : 4)
            guard let (value, depth) = s.memo[index] else { throw PickleFailure("memo entry \(index) was never stored") }
            try s.push(value, itemDepth: State.liveDepth(value, recorded: depth) - 1)
        case 0x51: // BINPERSID
            let (id, depth) = try s.popWithDepth()
            try s.push(try persistentLoad(id), holding: [id], itemDepth: depth)
        case 0x30: _ = try s.pop() // POP
        default:
            throw PickleFailure(String(format: "unknown pickle opcode 0x%02x; the file is damaged or uses a pickle feature "
                                 + "PyTorch checkpoints do not", opcode))
        }
    }

    /// A little-endian two's-complement integer; `.bigInt` when it does not fit `Int`.
    private static func long(_ bytes: [UInt8]) -> PickleValue {
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        guard let last = bytes.last else { return .int(0) }
        let fill: UInt8 = last & 0x80 != 0 ? 0xFF : 0
        let padded = bytes + [UInt8](repeating: fill, count: 8 - bytes.count)
        return .int(Int(bitPattern: UInt(padded.reversed().reduce(UInt(0)) { $0 << 8 | UInt($1) })))
    }
}
