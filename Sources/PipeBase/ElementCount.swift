/// The number of elements of a shape read from a file, computed without trapping on hostile values.
public enum ElementCount {
    /// The product of `dimensions`; nil when one is negative or the product exceeds `limit` (or `Int.max`).
    public static func of(_ dimensions: [Int], limit: Int = Int.max) -> Int? {
        var count = 1
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= limit else { return nil }
            count = product
        }
        return count
    }
}
