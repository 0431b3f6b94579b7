/// Errors from the engine, each naming the file or stage involved and what to do.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String)
    case unwritable(path: String)
    case missingInput(path: String)
    case lockHeld(path: String, pid: Int32?)
    case unknownKind(stage: String, kind: String)
    case unknownStage(String, known: [String])
    case inputChanged(stage: String, path: String, files: [String])
    case stageFailed(stage: String, reason: String)
    case missingArtifact(stage: String, wanted: String, needs: [String])
    case ambiguousArtifact(stage: String, wanted: String, producers: [String])
    case artifactFlow([String])
    case executorUnavailable(String)
    case cancelled
    case noRuns
    case unknownRun(String, recent: [String])
    case ambiguousRun(String, matches: [String])

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read \(path): check that it exists and is readable"
        case .unwritable(let path): "cannot write \(path): check the folder's permissions and free space"
        case .missingInput(let path): "\(path) does not exist; create it or fix the path in the pipeline"
        case .lockHeld(let path, let pid):
            "another pipe run\(pid.map { " (PID \($0))" } ?? "") holds \(path); wait for it, or run without --no-wait"
        case .unknownKind(let stage, let kind): "stage `\(stage)`: pipe has no implementation of kind `\(kind)` yet"
        case .unknownStage(let name, let known): "no stage `\(name)` in this pipeline; stages: \(known.joined(separator: ", "))"
        case .inputChanged(let stage, let path, let files):
            "stage `\(stage)`: its input \(path) changed while it ran (\(files.prefix(5).joined(separator: ", "))\(files.count > 5 ? ", ..." : "")); its result was not saved; run again once the input is stable"
        case .stageFailed(let stage, let reason): "stage `\(stage)` failed: \(reason)"
        case .missingArtifact(let stage, let wanted, let needs):
            "stage `\(stage)` reads \(wanted), but none of its `needs` (\(needs.isEmpty ? "none" : needs.joined(separator: ", "))) produces one; add the stage that makes it to `needs`"
        case .ambiguousArtifact(let stage, let wanted, let producers):
            "stage `\(stage)` reads one \(wanted), but \(producers.joined(separator: " and ")) each produce one; keep one of them in `needs`"
        case .artifactFlow(let problems): problems.joined(separator: "\n")
        case .executorUnavailable(let why): why
        case .cancelled: "interrupted"
        case .noRuns: "this store has no recorded runs yet; `pipe run PIPELINE` records one per run"
        case .unknownRun(let reference, let recent):
            "no run `\(reference)` in the history\(recent.isEmpty ? "" : "; recent runs: \(recent.joined(separator: ", "))"); `pipe log PIPELINE` lists them"
        case .ambiguousRun(let reference, let matches):
            "`\(reference)` matches several runs (\(matches.prefix(5).joined(separator: ", "))); give more of the id"
        }
    }
}
