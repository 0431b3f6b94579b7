import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift`, the git commit pipe is built from (with `-dirty` when the checkout has
/// uncommitted changes), into the `pipe` target before every build, so results can name the build that made them.
///
/// The file is rewritten only when the commit changes, so an unchanged checkout recompiles nothing.
@main
struct BuildCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        let script = """
            set -u
            repo="$1"; out="$2"
            commit=$(git -c safe.directory='*' -C "$repo" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && [ -n "$(git -c safe.directory='*' -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
              commit="$commit-dirty"
            fi
            mkdir -p "$out"
            text="let buildCommit = \\"$commit\\""
            [ -f "$out/BuildCommit.swift" ] && [ "$(cat "$out/BuildCommit.swift")" = "$text" ] || printf '%s\\n' "$text" > "$out/BuildCommit.swift"
            """
        return [.prebuildCommand(displayName: "Recording pipe's build commit",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "build-commit", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
