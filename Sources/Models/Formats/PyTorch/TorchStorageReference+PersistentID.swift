extension TorchStorageReference {
    /// Reads a storage's persistent id: `('storage', type, key, location, count)` in zip files, with a sixth
    /// item in legacy files, `None` or a view `(view key, offset, count)`.
    init(persistentID: PickleValue) throws(PickleFailure) {
        guard let items = persistentID.items, items.count >= 5, items[0].stringValue == "storage" else {
            throw .init("a persistent id is \(persistentID.kind), not a storage; only tensors can be read")
        }
        guard case .global(let typeName) = items[1], let key = items[2].stringValue, let count = items[4].intValue,
              (0..<(1 << 48)).contains(count) else {
            throw .init("a storage id is not ('storage', type, key, location, size)")
        }
        let storageName = String(typeName.split(separator: ".").last ?? "")
        guard let scalarType = TorchScalarType(rawValue: storageName) else {
            throw .init("unsupported dtype `\(typeName)`: pipe reads floating-point and integer tensors only")
        }
        self.init(key: key, scalarType: scalarType, count: count, viewCount: count)
        if items.count > 5, let view = items[5].items {
            guard view.count == 3, let offset = view[1].intValue, let length = view[2].intValue,
                  offset >= 0, length >= 0, offset + length <= count else {
                throw .init("storage view of '\(key)' lies outside it")
            }
            viewOffset = offset
            viewCount = length
        }
    }
}
