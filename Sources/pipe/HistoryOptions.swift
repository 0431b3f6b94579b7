import ArgumentParser
import Foundation
import PipeEngine

/// The pipeline file and state folder whose recorded runs `pipe log` and `pipe exp show` list.
struct HistoryOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The pipeline file whose runs to list (it may have changed or gone since).", valueName: "PIPELINE"))
    var file: String

    @OptionGroup var state: StateOptions

    /// The runs of the file, newest first; exits 1 with a message when there are none.
    func entries() throws -> [RunEntry] {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        let stored = PipelineState.storedForm(of: url.path, root: state.url)
        let entries = RunHistory(root: state.url).entries(file: stored)
        if entries.isEmpty {
            Terminal.error("pipe: error: no recorded runs of \(file) in \(state.stateDirectory)/runs; `pipe run \(file)` records one per run")
            throw ExitCode.failure
        }
        return entries
    }
}
