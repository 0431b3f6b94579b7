/// Which framework's layer names, epsilons and padding rules a model follows, so that framework's
/// published weights load into it unchanged.
public enum Variant: String, CaseIterable, Codable, Sendable {
    /// `keras.applications`: Keras layer names, HWIO kernels, mostly batch-norm epsilon 1.001e-5.
    case keras
    /// `torchvision.models` (and timm ports of them): PyTorch state-dict names, OIHW kernels, epsilon 1e-5.
    case torchvision
}
