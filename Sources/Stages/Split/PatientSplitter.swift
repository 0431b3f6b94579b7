/// Assigns whole groups (patients) to train, validation and test, keeping each label's share alike in all three.
///
/// Groups are stratified by their majority label, shuffled with the seeded generator, then dealt to the
/// split that is furthest below its target image count, so fractions hold in images while no group is cut.
public struct PatientSplitter: Sendable {
    public enum Part: String, Sendable, CaseIterable {
        case train, val, test
    }

    public var fractions: [Part: Double]

    /// `fractions` need not sum to 1; they are normalised.
    public init(train: Double, val: Double, test: Double) {
        let total = train + val + test
        fractions = [.train: train / total, .val: val / total, .test: test / total]
    }

    /// The part of each item, given each item's group and label; items of one group always share a part.
    public func assign<R: RandomNumberGenerator>(groups: [String], labels: [String], using generator: inout R) -> [Part] {
        var itemsOf: [String: [Int]] = [:]
        for (index, group) in groups.enumerated() { itemsOf[group, default: []].append(index) }
        var groupsOfLabel: [String: [String]] = [:]
        for group in itemsOf.keys.sorted() {
            groupsOfLabel[Self.majority(itemsOf[group]!.map { labels[$0] }), default: []].append(group)
        }
        var partOfGroup: [String: Part] = [:]
        for label in groupsOfLabel.keys.sorted() {
            var members = groupsOfLabel[label]!
            members.shuffle(using: &generator)
            // Largest groups first deal more evenly; the shuffle breaks ties between equal sizes.
            members = members.enumerated().sorted { a, b in
                let (x, y) = (itemsOf[a.element]!.count, itemsOf[b.element]!.count)
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
            let total = Double(members.reduce(0) { $0 + itemsOf[$1]!.count })
            var filled: [Part: Double] = [:]
            for (dealt, group) in members.enumerated() {
                let part = nextPart(filled: filled, total: total, remainingGroups: members.count - dealt)
                partOfGroup[group] = part
                filled[part, default: 0] += Double(itemsOf[group]!.count)
            }
        }
        return groups.map { partOfGroup[$0]! }
    }

    /// The part furthest below its target; a part with a nonzero fraction that has nothing yet goes first,
    /// so that val and test are never empty when there are groups enough.
    private func nextPart(filled: [Part: Double], total: Double, remainingGroups: Int) -> Part {
        let wanted = Part.allCases.filter { fractions[$0]! > 0 }
        let empty = wanted.filter { filled[$0, default: 0] == 0 && $0 != .train }
        if !empty.isEmpty, remainingGroups <= empty.count { return empty[0] }
        return wanted.max { a, b in
            let gapA = fractions[a]! * total - filled[a, default: 0]
            let gapB = fractions[b]! * total - filled[b, default: 0]
            return gapA != gapB ? gapA < gapB : Part.allCases.firstIndex(of: a)! > Part.allCases.firstIndex(of: b)!
        }!
    }

    /// The most frequent label (the smallest by name on ties).
    static func majority(_ labels: [String]) -> String {
        var counts: [String: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
    }
}
