import PipeEngine

/// Every stage kind pipe implements, by the name pipeline files use.
public enum StageCatalog {
    public static let kinds: [String: any StageKind] = {
        let all: [any StageKind] = [CommandStage(), SynthesizeStage(), IngestStage(), BalanceStage(), SplitStage(), AugmentStage(), ImportWeightsStage(), FineTuneStage(), EvaluateStage(), ReportStage()]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }()
}
