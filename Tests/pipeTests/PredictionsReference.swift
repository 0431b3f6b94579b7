import Foundation

/// Metrics recomputed from a `predictions.csv` by the plain definitions, to check `metrics.json` against
/// something other than the code that wrote it.
struct PredictionsReference {
    let header: [String]
    let rows: [[String: String]]

    init(contentsOf url: URL) throws {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        header = lines[0]
        rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    func probability(_ row: [String: String], _ column: String) -> Double { Double(row[column] ?? "") ?? .nan }

    /// The share of (positive, negative) pairs the scores put in the right order, ties counting half.
    static func rocAUC(positive: [Bool], scores: [Double]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where positive[i] {
            for j in scores.indices where !positive[j] {
                pairs += 1
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
            }
        }
        return wins / pairs
    }

    /// BreakHis's patient-level rate: the mean over patients of the share of their images called right.
    func patientRate(correct: [Bool]) -> (rate: Double, patients: Int) {
        var perPatient: [String: [Bool]] = [:]
        for (row, right) in zip(rows, correct) { perPatient[row["patient"] ?? "", default: []].append(right) }
        let rates = perPatient.values.map { Double($0.filter { $0 }.count) / Double($0.count) }
        return (rates.reduce(0, +) / Double(rates.count), rates.count)
    }
}
