/// Every difference between a model's expected weights and a file's, gathered so one message lists them all.
public struct WeightMismatch: Equatable, Sendable, CustomStringConvertible {
    /// One weight present on both sides with different shapes.
    public struct ShapeMismatch: Equatable, Sendable {
        public var key: String
        public var expected: [Int]
        public var found: [Int]
    }

    /// The file that was being loaded.
    public var source: String
    /// Names the model needs that the file lacks, sorted.
    public var missing: [String]
    /// Names in the file that the model does not use, sorted.
    public var unused: [String]
    /// Names on both sides whose shapes differ, sorted by name.
    public var shapeMismatches: [ShapeMismatch]

    public var isEmpty: Bool { missing.isEmpty && unused.isEmpty && shapeMismatches.isEmpty }

    public var description: String {
        var lines = ["weights '\(source)' do not match the model; nothing was loaded:"]
        if !missing.isEmpty {
            lines.append("  missing (\(missing.count)): \(missing.joined(separator: ", "))")
        }
        if !unused.isEmpty {
            lines.append("  unused (\(unused.count)): \(unused.joined(separator: ", "))")
        }
        for mismatch in shapeMismatches {
            lines.append("  shape mismatch: \(mismatch.key): expected \(mismatch.expected), found \(mismatch.found)")
        }
        if !missing.isEmpty || !unused.isEmpty {
            lines.append("  check the architecture and variant (keras or torchvision), or load with the head skipped "
                         + "when the classifier differs")
        }
        return lines.joined(separator: "\n")
    }
}
