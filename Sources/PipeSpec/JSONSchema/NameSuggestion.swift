/// The candidate closest to a mistyped `name`, when it is close enough to be a likely typo.
///
/// Distance is Damerau-Levenshtein (optimal string alignment), ignoring case; a candidate is
/// close enough when the distance is at most `max(1, name.count / 3)`. Ties go to the earlier
/// candidate, so pass candidates in a stable order.
public func closestName(to name: String, among candidates: some Sequence<String>) -> String? {
    let typed = Array(name.lowercased())
    let limit = max(1, typed.count / 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates where candidate != name {
        let lowered = Array(candidate.lowercased())
        guard abs(lowered.count - typed.count) <= limit else { continue }
        let distance = editDistance(typed, lowered)
        if distance <= limit, distance < (best?.distance ?? .max) {
            best = (candidate, distance)
        }
    }
    return best?.name
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps.
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var before = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d = min(d, before[j - 2] + 1)
            }
            current[j] = d
        }
        (before, previous, current) = (previous, current, before)
    }
    return previous[b.count]
}
