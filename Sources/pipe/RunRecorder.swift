import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Records one `pipe run` in the store's history, with the headline metrics of its evaluate stages.
enum RunRecorder {
    /// Writes the entry and returns it; a history that cannot be written costs a warning, not the run.
    @discardableResult
    static func record(spec: PipelineSpec, file: URL, workspace: Workspace, overrides: [String], started: Date,
                       results: [StageResult], cancelled: Bool, error: String? = nil) -> RunEntry {
        let metrics = HeadlineMetrics.of(spec, results: results)
        let failed = error != nil || results.contains { $0.status == .failed }
        let entry = RunEntry(
            started: started, finished: Date(), pipeline: spec.name,
            file: PipelineState.storedForm(of: file.path, root: workspace.root),
            fileSHA256: (try? ContentHasher.sha256(file: file.path)) ?? "",
            overrides: overrides, params: spec.params, outcome: cancelled ? .interrupted : failed ? .failed : .succeeded, error: error,
            stages: results.map { RunEntry.Stage($0, metrics: metrics[$0.name] ?? [:]) })
        do {
            try RunHistory(root: workspace.root).record(entry)
        } catch {
            Terminal.error("pipe: warning: this run was not added to the history: \(error)")
        }
        return entry
    }
}
