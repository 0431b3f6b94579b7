import Foundation
import PipeEngine
import PipeSpec

/// The `command` kind: a shell command with declared `deps` and `outs`, as a DVC stage.
///
/// It runs in the pipeline file's folder with `PIPE_OUT` naming its output folder, `PIPE_CORES` the cores it
/// may keep busy (`cores`), and
/// `PIPE_IN_<STAGE>` each upstream output folder (upper case, other characters as `_`).
public struct CommandStage: TypedStageKind {
    public let name = "command"
    public let version = 1

    public init() {}

    public func plan(_ stage: StageSpec, parameters p: CommandParameters, pipeline: PipelineContext) throws -> StagePlan {
        StagePlan(externalInputs: p.deps.map { pipeline.resolve($0).standardizedFileURL }, cores: p.cores)
    }

    public func run(_ stage: StageSpec, parameters p: CommandParameters, plan: StagePlan, context: StageContext) throws {
        let command = p.run
        var environment = ProcessInfo.processInfo.environment
        environment["PIPE_OUT"] = context.output.path
        environment["PIPE_SEED"] = String(context.pipeline.seed)
        environment["PIPE_STAGE"] = stage.name
        environment["PIPE_CORES"] = String(p.cores)
        for (upstream, folder) in context.inputs { environment[Self.inputVariable(upstream)] = folder.path }
        let stdout = context.work.appendingPathComponent("stdout.log")
        let stderr = context.work.appendingPathComponent("stderr.log")
        let exit = try Subprocess.shell(command, directory: context.pipeline.directory, environment: environment,
                                        stdout: stdout, stderr: stderr, context: context)
        if context.isCancelled { throw EngineError.cancelled }
        if let signal = exit.signal {
            throw EngineError.stageFailed(stage: stage.name, reason: "the command was killed by signal \(signal)\(Self.tail(of: stderr))")
        }
        guard exit.status == 0 else {
            throw EngineError.stageFailed(stage: stage.name, reason: "the command exited with status \(exit.status)\(Self.tail(of: stderr))")
        }
        let outs = p.outs
        let missing = outs.filter { !FileManager.default.fileExists(atPath: context.output.appendingPathComponent($0).path) }
        guard missing.isEmpty else {
            throw EngineError.stageFailed(stage: stage.name, reason: "the command did not produce \(missing.map { "`\($0)`" }.joined(separator: ", ")) in $PIPE_OUT (declared in `outs`)")
        }
    }

    /// `PIPE_IN_<NAME>`: the stage name upper-cased, with every other character than A-Z and 0-9 as `_`.
    public static func inputVariable(_ stage: String) -> String {
        "PIPE_IN_" + String(stage.uppercased().unicodeScalars.map { ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "_" })
    }

    /// The last lines the command wrote to stderr, indented, for failure messages.
    static func tail(of log: URL, lines: Int = 12) -> String {
        guard let text = try? String(contentsOf: log, encoding: .utf8), !text.isEmpty else { return "" }
        let last = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n    ")
        return "; its stderr ends with:\n    " + last.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
