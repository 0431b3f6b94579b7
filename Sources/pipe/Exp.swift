import ArgumentParser

/// Compares recorded runs: `pipe exp show` and `pipe exp diff`.
struct Exp: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare recorded runs: a table of a pipeline's runs, or two runs side by side.",
        subcommands: [ExpShow.self, ExpDiff.self])
}
