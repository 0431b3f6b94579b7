import Foundation

/// Reads `root/<class>/*.{png,jpg,jpeg}` into manifest rows labelled by folder name.
///
/// The layout carries no patient information, so each image is its own patient (its path without extension).
public struct ImageFolderAdapter: Sendable {
    /// Decode every image to find corrupt files (on all cores).
    public var verifyImages: Bool

    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    public init(verifyImages: Bool = true) { self.verifyImages = verifyImages }

    /// Reads the dataset below `root`; files directly in `root` or deeper than one folder are skipped.
    public func read(root: URL) throws(DatasetError) -> DatasetManifest {
        guard DatasetFiles.isFolder(root) else { throw .missingRoot(dataset: "image-folder", root: root.path) }
        var skipped: [SkippedFile] = []
        var images: [String] = []
        for path in DatasetFiles.list(root) {
            let depth = path.split(separator: "/").count
            guard Self.extensions.contains(DatasetFiles.ext(path)) else {
                skipped.append(SkippedFile(path: path, reason: "not a .png, .jpg or .jpeg file"))
                continue
            }
            guard depth == 2 else {
                skipped.append(SkippedFile(path: path, reason: depth == 1 ? "not inside a class folder" : "nested below a class folder"))
                continue
            }
            images.append(path)
        }
        guard !images.isEmpty else { throw .noImages(dataset: "image-folder", root: root.path, detail: "no images in class folders") }
        if verifyImages {
            let problems = DatasetFiles.check(images, root: root)
            for (path, problem) in zip(images, problems) where problem != nil { skipped.append(SkippedFile(path: path, reason: problem!)) }
            images = zip(images, problems).filter { $0.1 == nil }.map(\.0)
        }
        let rows = images.map { path -> ManifestRow in
            let label = String(path.split(separator: "/")[0])
            let stem = path.split(separator: ".").dropLast().joined(separator: ".")
            return ManifestRow(path: path, label: label, patient: stem)
        }
        return DatasetManifest(dataset: "image-folder", root: root, columns: [], rows: rows, skipped: skipped)
    }
}
