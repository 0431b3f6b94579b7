/// The BreakHis patient-level protocol: the mean over patients of the share of their images classified right.
public enum PatientLevel {
    public static func recognitionRate(patients: [String], correct: [Bool]) -> (rate: Double, patients: Int) {
        var totals: [String: (right: Int, all: Int)] = [:]
        for (patient, isRight) in zip(patients, correct) {
            totals[patient, default: (0, 0)].all += 1
            if isRight { totals[patient]!.right += 1 }
        }
        guard !totals.isEmpty else { return (0, 0) }
        let sum = totals.values.reduce(0.0) { $0 + Double($1.right) / Double($1.all) }
        return (sum / Double(totals.count), totals.count)
    }
}
