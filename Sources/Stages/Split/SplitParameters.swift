/// The `with` block of `split`.
public struct SplitParameters: StageParameterSet {
    public enum Grouping: String, ParameterChoice { case patient, none }
    public enum Stratification: String, ParameterChoice { case label, none }
    public enum Folds: String, ParameterChoice { case official }

    public var train = 0.6
    /// Also the share of the non-test patients that `kfold` and official folds move to validation.
    public var val = 0.2
    public var test = 0.2
    public var groupBy = Grouping.patient
    public var stratify = Stratification.label
    public var folds: Folds?
    /// With `kfold`: the test fold, from 0; with official BreakHis folds: Folds.csv's fold, from 1 (1 when unset).
    public var fold: Int?
    public var kfold: Int?

    public init(reading r: ParameterReader) throws {
        train = try r.value("train", default: train)
        val = try r.value("val", default: val)
        test = try r.value("test", default: test)
        groupBy = try r.value("group_by", default: groupBy)
        stratify = try r.value("stratify", default: stratify)
        folds = try r.optional("folds")
        fold = try r.optional("fold")
        kfold = try r.optional("kfold")
        if kfold != nil && fold == nil { throw r.invalid("fold", "is needed with kfold: which fold is the test set (0...\(kfold! - 1))") }
    }
}
