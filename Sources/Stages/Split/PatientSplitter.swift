/// Assigns whole groups (patients) to train, validation and test, keeping each label's share alike in all three.
///
/// Groups are stratified by their majority label, shuffled with the seeded generator, then dealt (largest first)
/// to the part that is furthest below its target image count, so fractions hold in images while no group is cut.
public struct PatientSplitter: Sendable {
    /// The manifest's split names, so an assignment is written as it is.
    public typealias Part = ManifestEntry.Split

    /// Target share of each part, summing to 1.
    let fractions: [Double]

    /// `fractions` need not sum to 1; they are normalised.
    public init(train: Double, val: Double, test: Double) {
        self.init(fractions: [train, val, test])
    }

    init(fractions: [Double]) {
        let total = fractions.reduce(0, +)
        self.fractions = fractions.map { $0 / total }
    }

    /// The part of each item, given each item's group and label; items of one group always share a part.
    public func assign<R: RandomNumberGenerator>(groups: [String], labels: [String], using generator: inout R) -> [Part] {
        deal(groups: groups, labels: labels, using: &generator).map { Part.allCases[$0] }
    }

    /// A fold number in `0..<k` for each item, dealt the same way with equal shares.
    public static func folds<R: RandomNumberGenerator>(_ k: Int, groups: [String], labels: [String], using generator: inout R) -> [Int] {
        PatientSplitter(fractions: Array(repeating: 1, count: k)).deal(groups: groups, labels: labels, using: &generator)
    }

    /// The index of the part each item goes to.
    func deal<R: RandomNumberGenerator>(groups: [String], labels: [String], using generator: inout R) -> [Int] {
        var itemsOf: [String: [Int]] = [:]
        for (index, group) in groups.enumerated() { itemsOf[group, default: []].append(index) }
        var groupsOfLabel: [String: [String]] = [:]
        for group in itemsOf.keys.sorted() {
            groupsOfLabel[Self.majority(itemsOf[group]!.map { labels[$0] }), default: []].append(group)
        }
        var partOfGroup: [String: Int] = [:]
        for label in groupsOfLabel.keys.sorted() {
            var members = groupsOfLabel[label]!
            members.shuffle(using: &generator)
            // Largest groups first deal more evenly; the shuffle breaks ties between equal sizes.
            members = members.enumerated().sorted { a, b in
                let (x, y) = (itemsOf[a.element]!.count, itemsOf[b.element]!.count)
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
            let total = Double(members.reduce(0) { $0 + itemsOf[$1]!.count })
            var filled = [Double](repeating: 0, count: fractions.count)
            for (dealt, group) in members.enumerated() {
                let part = nextPart(filled: filled, total: total, remainingGroups: members.count - dealt)
                partOfGroup[group] = part
                filled[part] += Double(itemsOf[group]!.count)
            }
        }
        return groups.map { partOfGroup[$0]! }
    }

    /// The part furthest below its target; a wanted part that is still empty when only as many groups remain
    /// as such parts goes first (train before val before test), so no part is left empty when groups allow
    /// and a label with too few groups for every part still reaches train.
    private func nextPart(filled: [Double], total: Double, remainingGroups: Int) -> Int {
        let wanted = fractions.indices.filter { fractions[$0] > 0 }
        let empty = wanted.filter { filled[$0] == 0 }
        if !empty.isEmpty, remainingGroups <= empty.count { return empty[0] }
        return wanted.max { a, b in
            let gapA = fractions[a] * total - filled[a], gapB = fractions[b] * total - filled[b]
            return gapA != gapB ? gapA < gapB : a > b
        }!
    }

    /// The most frequent label (the smallest by name on ties).
    static func majority(_ labels: [String]) -> String {
        var counts: [String: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
    }
}
