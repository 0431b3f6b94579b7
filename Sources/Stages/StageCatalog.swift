import PipeEngine

// Adding a stage kind `foo`:
//  1. Sources/Stages/<Folder>/FooStage.swift: a `TypedStageKind` with `name = "foo"`, its `version`, what it
//     `consumes` and `produces` (an `ArtifactKind`; a new one goes in Shared/StageArtifacts.swift), and `run`,
//     which reads its inputs with `context.input(.kind)` and writes into `context.output`.
//  2. Sources/Stages/<Folder>/FooParameters.swift: its `with` block as a `StageParameterSet`.
//  3. schemas/stages/foo.schema.json: the `with` block's schema, defaults included.
//  4. The one registration line: `FooStage()` in `kinds` below.
// `pipe validate` then checks `foo`'s parameters against its schema and its `needs` against what it consumes.

/// Every stage kind pipe implements, by the name pipeline files use.
public enum StageCatalog {
    public static let kinds: [String: any StageKind] = {
        let all: [any StageKind] = [CommandStage(), SynthesizeStage(), IngestStage(), BalanceStage(), SplitStage(), AugmentStage(), ImportWeightsStage(), FineTuneStage(), EvaluateStage(), ReportStage()]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }()
}
