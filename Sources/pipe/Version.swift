import ArgumentParser
import PipeBase
import PipeEngine
import Imaging
import Stages

/// Prints pipe's version, the git commit it was built from, and the versions of the image libraries it is linked with.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print pipe's version and its image libraries.")

    func run() {
        print("pipe \(PipeVersion.current)")
        print("build \(PipeBuild.commit)")
        print("libpng \(ImagingLibraries.png)")
        print("libjpeg API \(ImagingLibraries.jpegAPI)")
    }
}
