/// Checks that a split can be trained and scored: every requested part has a patient, and train has every class.
///
/// The rule: each split asked for (a non-zero fraction, or test rows given by the official folds) needs at least
/// one patient, and train needs at least one patient of every class, or that class cannot be learned. Val or
/// test missing a class is allowed (AUC is then undefined there and reported as such); a cohort too small for the
/// rule is an error naming the patients per class and the splits asked for.
struct SplitCoverage {
    let stage: String
    let requested: [PatientSplitter.Part]

    func check(parts: [PatientSplitter.Part], groups: [String], labels: [String]) throws {
        let patientsOfClass = Dictionary(grouping: groups.indices, by: { labels[$0] }).mapValues { Set($0.map { groups[$0] }).count }
        let counts = "patients per class: " + patientsOfClass.keys.sorted().map { "\($0) \(patientsOfClass[$0]!)" }.joined(separator: ", ")
            + "; splits asked for: " + requested.map(\.rawValue).joined(separator: ", ")
        for part in requested where !parts.contains(part) {
            throw StageError.misconfigured(stage: stage, reason: "the \(part.rawValue) split gets no patient: \(Set(groups).count) patients are too few to fill every split asked for when each class is dealt on its own (\(counts)); add patients, or use stratify: none")
        }
        let trainClasses = Set(parts.indices.filter { parts[$0] == .train }.map { labels[$0] })
        if let missing = patientsOfClass.keys.sorted().first(where: { !trainClasses.contains($0) }) {
            throw StageError.misconfigured(stage: stage, reason: "no patient of class `\(missing)` is in the train split, so it cannot be learned (\(counts)); add patients of that class, or use stratify: label")
        }
    }
}
