/// The version every command prints with `--version` (one place, bumped with each release).
public enum VellumVersion {
    public static let current = "0.1.0"
}
