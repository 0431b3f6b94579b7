import Foundation

/// Where keras.applications downloads each architecture's ImageNet weights from, and their MD5 (as Keras checks).
public struct KerasWeightsFile: Sendable, Equatable {
    public var fileName: String
    public var url: URL
    /// Keras's `file_hash`: an MD5 hex digest for these files.
    public var md5: String

    static let base = "https://storage.googleapis.com/tensorflow/keras-applications/"

    /// `(folder, file stem, md5 with top, md5 without top)` per architecture, as keras.applications names them.
    private static let table: [String: (String, String, String, String)] = [
        "densenet121": ("densenet", "densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
        "densenet169": ("densenet", "densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
        "densenet201": ("densenet", "densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
        "resnet50": ("resnet", "resnet50", "2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
        "vgg16": ("vgg16", "vgg16", "64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
        "vgg19": ("vgg19", "vgg19", "cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"),
        "inceptionv3": ("inception_v3", "inception_v3", "9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63"),
    ]

    public static var architectures: [String] { table.keys.sorted() }

    /// The official file of `arch`, with or without the ImageNet classifier; nil for an unknown architecture.
    public static func official(arch: String, includeTop: Bool) -> KerasWeightsFile? {
        guard let (folder, stem, topHash, noTopHash) = table[arch] else { return nil }
        let name = stem + "_weights_tf_dim_ordering_tf_kernels" + (includeTop ? "" : "_notop") + ".h5"
        return KerasWeightsFile(fileName: name, url: URL(string: base + folder + "/" + name)!, md5: includeTop ? topHash : noTopHash)
    }

    /// Keras's download folder: `$KERAS_HOME/models`, else `~/.keras/models`.
    public static func cacheFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["KERAS_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent("models")
        }
        let user = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return user.appendingPathComponent(".keras/models")
    }
}
