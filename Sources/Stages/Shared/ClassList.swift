/// The classes of a dataset, sorted, and which one is positive: the one place pipe decides it.
///
/// The positive class is `malignant` when there is one, else the last; a threshold decides for it in a
/// two-class model, and the training AUC scores it.
public struct ClassList: Sendable, Equatable {
    public let names: [String]

    /// The classes among `labels`, sorted.
    public init(labels: some Sequence<String>) { names = Set(labels).sorted() }

    /// Classes as a model recorded them, in its output order.
    public init(names: [String]) { self.names = names }

    /// The index of the positive class.
    public var positive: Int { names.firstIndex(of: "malignant") ?? names.count - 1 }

    /// The positive class of a two-class model; nil for other class counts, which have none.
    public var binaryPositive: Int? { names.count == 2 ? positive : nil }
}
