/// The element types of PyTorch storages that pipe converts to Float32, named by their storage class.
enum TorchScalarType: String, Sendable {
    case float32 = "FloatStorage"
    case float16 = "HalfStorage"
    case bfloat16 = "BFloat16Storage"
    case float64 = "DoubleStorage"
    case int64 = "LongStorage"
    case int32 = "IntStorage"
    case int16 = "ShortStorage"
    case int8 = "CharStorage"
    case uint8 = "ByteStorage"
    case bool = "BoolStorage"

    /// Storage classes PyTorch has that hold no real numbers pipe could use, so a file using them gets a
    /// clear message rather than an unknown-global error.
    static let unsupportedStorages: Set<String> = [
        "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage",
        "QUInt4x2Storage", "QUInt2x4Storage",
    ]

    var byteWidth: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// The value at element `index` of little-endian raw data starting at `base`.
    func value(at index: Int, in base: UnsafeRawPointer) -> Float {
        func load<T: FixedWidthInteger>(_ type: T.Type) -> T {
            T(littleEndian: (base + index * MemoryLayout<T>.size).loadUnaligned(as: T.self))
        }
        switch self {
        case .float32: return Float(bitPattern: load(UInt32.self))
        case .float16: return Float(Float16(bitPattern: load(UInt16.self)))
        case .bfloat16: return Float(bitPattern: UInt32(load(UInt16.self)) << 16)
        case .float64: return Float(Double(bitPattern: load(UInt64.self)))
        case .int64: return Float(load(Int64.self))
        case .int32: return Float(load(Int32.self))
        case .int16: return Float(load(Int16.self))
        case .int8: return Float(load(Int8.self))
        case .uint8, .bool: return Float(load(UInt8.self))
        }
    }
}
