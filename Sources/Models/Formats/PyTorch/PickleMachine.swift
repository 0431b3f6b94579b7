import Foundation

/// Evaluates a Python pickle as data only: the opcodes PyTorch checkpoints use (protocols 2 to 5), with
/// globals limited to an allow-list (`globals`, e.g. `TorchGlobals`), so a weights file can never make pipe run code.
struct PickleMachine {
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
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

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

        mutating func pop() throws(PickleFailure) -> PickleValue {
            guard let value = stack.popLast() else { throw PickleFailure("the stack is empty") }
            return value
        }

        mutating func popToMark() throws(PickleFailure) -> [PickleValue] {
            guard let mark = marks.popLast(), mark <= stack.count else { throw PickleFailure("no MARK to close") }
            defer { stack.removeSubrange(mark...) }
            return Array(stack[mark...])
        }

        func top() throws(PickleFailure) -> PickleValue {
            guard let value = stack.last else { throw PickleFailure("the stack is empty") }
            return value
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
        case 0x7D: s.stack.append(.dict(PickleDict())) // EMPTY_DICT
        case 0x5D: s.stack.append(.list(PickleList())) // EMPTY_LIST
        case 0x29: s.stack.append(.tuple([])) // EMPTY_TUPLE
        case 0x74: s.stack.append(.tuple(try s.popToMark())) // TUPLE
        case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
            let count = Int(opcode - 0x84)
            guard s.stack.count >= count else { throw PickleFailure("the stack is empty") }
            let items = Array(s.stack.suffix(count))
            s.stack.removeLast(count)
            s.stack.append(.tuple(items))
        case 0x4A: s.stack.append(.int(Int(Int32(truncatingIfNeeded: try s.unsigned(4))))) // BININT
        case 0x4B: s.stack.append(.int(try s.unsigned(1))) // BININT1
        case 0x4D: s.stack.append(.int(try s.unsigned(2))) // BININT2
        case 0x8A, 0x8B: // LONG1, LONG4
            s.stack.append(Self.long(Array(try s.take(try s.unsigned(opcode == 0x8A ? 1 : 4)))))
        case 0x47: // BINFLOAT, big-endian
            s.stack.append(.float(Double(bitPattern: try s.take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
        case 0x58, 0x8C, 0x8D: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
            let length = try s.unsigned(opcode == 0x8C ? 1 : opcode == 0x58 ? 4 : 8)
            s.stack.append(.string(String(decoding: try s.take(length), as: UTF8.self)))
        case 0x54, 0x55: // BINSTRING, SHORT_BINSTRING: Python 2 str, read as UTF-8 (else Latin-1)
            let raw = Array(try s.take(try s.unsigned(opcode == 0x55 ? 1 : 4)))
            s.stack.append(.string(String(validating: raw, as: UTF8.self)
                                   ?? String(raw.map { Character(Unicode.Scalar($0)) })))
        case 0x42, 0x43: // BINBYTES, SHORT_BINBYTES
            s.stack.append(.bytes(Array(try s.take(try s.unsigned(opcode == 0x43 ? 1 : 4)))))
        case 0x4E: s.stack.append(.none) // NONE
        case 0x88, 0x89: s.stack.append(.bool(opcode == 0x88)) // NEWTRUE, NEWFALSE
        case 0x63: // GLOBAL
            let module = try s.line()
            s.stack.append(try globals.resolve(module: module, name: try s.line()))
        case 0x93: // STACK_GLOBAL
            let name = try s.pop(), module = try s.pop()
            guard let module = module.stringValue, let name = name.stringValue else {
                throw PickleFailure("STACK_GLOBAL needs two strings")
            }
            s.stack.append(try globals.resolve(module: module, name: name))
        case 0x52, 0x81: // REDUCE, NEWOBJ
            let arguments = try s.pop(), callable = try s.pop()
            s.stack.append(try globals.call(callable, arguments))
        case 0x62: // BUILD: only the state of an OrderedDict (its `_metadata`) or a tensor, both unused
            _ = try s.pop()
            switch try s.top() {
            case .dict, .tensor: break
            case let other: throw PickleFailure("cannot set the state of \(other.kind)")
            }
        case 0x73: // SETITEM
            let value = try s.pop(), key = try s.pop()
            guard case .dict(let dict) = try s.top() else { throw PickleFailure("SETITEM on \(try s.top().kind)") }
            dict.set(key, value)
        case 0x75: // SETITEMS
            let items = try s.popToMark()
            guard case .dict(let dict) = try s.top(), items.count % 2 == 0 else { throw PickleFailure("SETITEMS without a dict") }
            for index in stride(from: 0, to: items.count, by: 2) { dict.set(items[index], items[index + 1]) }
        case 0x61, 0x65: // APPEND, APPENDS
            let items = opcode == 0x61 ? [try s.pop()] : try s.popToMark()
            guard case .list(let list) = try s.top() else { throw PickleFailure("APPEND to \(try s.top().kind)") }
            list.items += items
        case 0x71, 0x72, 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
            let index = opcode == 0x94 ? s.memo.count : try s.unsigned(opcode == 0x71 ? 1 : 4)
            s.memo[index] = try s.top()
        case 0x68, 0x6A: // BINGET, LONG_BINGET
            let index = try s.unsigned(opcode == 0x68 ? 1 : 4)
            guard let value = s.memo[index] else { throw PickleFailure("memo entry \(index) was never stored") }
            s.stack.append(value)
        case 0x51: s.stack.append(try persistentLoad(try s.pop())) // BINPERSID
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
