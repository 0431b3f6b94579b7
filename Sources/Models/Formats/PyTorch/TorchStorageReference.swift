/// A PyTorch storage as a checkpoint's pickle names it (its persistent id): the record key its bytes are
/// stored under, its element type and length, and, for the legacy format's storage views, where the view
/// starts inside the stored storage.
struct TorchStorageReference {
    var key: String
    var scalarType: TorchScalarType
    /// The element count of the stored storage (the whole root storage for a view).
    var count: Int
    /// Elements before the start of this view in the stored storage; 0 for a whole storage.
    var viewOffset = 0
    /// The element count of this view; `count` for a whole storage.
    var viewCount: Int
}
