import Foundation

/// Where torchvision downloads each architecture's `IMAGENET1K_V1` weights from, the name torch.hub caches
/// the file under, and the SHA-256 prefix that name carries (`<name>-<hex>.pth`), which torch.hub checks.
public struct TorchvisionWeightsFile: Sendable, Equatable {
    public var fileName: String
    public var url: URL
    /// The hex digits after the `-` of the file name: how the file's SHA-256 digest starts.
    public var sha256Prefix: String

    static let base = "https://download.pytorch.org/models/"

    /// The file names of torchvision's `<Arch>_Weights.IMAGENET1K_V1` URLs, by pipe's architecture name.
    private static let table: [String: String] = [
        "densenet121": "densenet121-a639ec97.pth",
        "densenet169": "densenet169-b2777c0a.pth",
        "densenet201": "densenet201-c1103571.pth",
        "resnet50": "resnet50-0676ba61.pth",
        "vgg16": "vgg16-397923af.pth",
        "vgg19": "vgg19-dcbb9e9d.pth",
        "inceptionv3": "inception_v3_google-0cc3c7bd.pth",
    ]

    public static var architectures: [String] { table.keys.sorted() }

    /// The official ImageNet file of `arch`; nil for an architecture torchvision publishes none for.
    public static func official(arch: String) -> TorchvisionWeightsFile? {
        table[arch].flatMap { TorchvisionWeightsFile(url: URL(string: base + $0)!) }
    }

    /// A file named as torch.hub expects, `<name>-<hex>.<ext>`, at `url`; nil when the name carries no hex prefix.
    public init?(url: URL) {
        let name = url.lastPathComponent
        // torch.hub takes the first `-<hex digits>.` of the name.
        for dash in name.indices where name[dash] == "-" {
            let digits = name[name.index(after: dash)...].prefix { $0.isHexDigit && !$0.isUppercase }
            guard !digits.isEmpty, name[digits.endIndex...].hasPrefix(".") else { continue }
            fileName = name
            self.url = url
            sha256Prefix = String(digits)
            return
        }
        return nil
    }

    /// torch.hub's download folder: `$TORCH_HOME/hub/checkpoints`, else `$XDG_CACHE_HOME/torch/hub/checkpoints`,
    /// else `~/.cache/torch/hub/checkpoints`.
    public static func cacheFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let torchHome: URL
        if let home = environment["TORCH_HOME"], !home.isEmpty {
            torchHome = URL(fileURLWithPath: expandingTilde(home, environment))
        } else if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            torchHome = URL(fileURLWithPath: expandingTilde(cache, environment)).appendingPathComponent("torch")
        } else {
            torchHome = userHome(environment).appendingPathComponent(".cache/torch")
        }
        return torchHome.appendingPathComponent("hub/checkpoints")
    }

    /// torch.hub expands `~` in these variables (Python's `os.path.expanduser`).
    private static func expandingTilde(_ path: String, _ environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return userHome(environment).path + path.dropFirst()
    }

    private static func userHome(_ environment: [String: String]) -> URL {
        environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
    }
}
