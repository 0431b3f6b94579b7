/// A named array read from a weights file, still in that file's layout.
public struct WeightArray: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "WeightArray: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }
}
