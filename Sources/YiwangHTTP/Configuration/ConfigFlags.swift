import ArgumentParser

/// The configuration flags a command was given, collected from its `@Option var x: String?` properties, so
/// the executables declare each flag once (its help from the key table, `ConfigKey.help`) and never map
/// flags to settings themselves: `ConfigurationReader` applies them with the same table as the file.
public enum ConfigFlags {
    /// Each optional text option that was given, by its flag name without dashes (`nodeId` -> `node-id`),
    /// skipping `excluded` (flags that are not configuration keys, e.g. `config`).
    public static func given(in command: some ParsableArguments, excluding excluded: Set<String> = ["config"])
        -> [String: String]
    {
        var flags: [String: String] = [:]
        for child in Mirror(reflecting: command).children {
            guard let label = child.label, label.hasPrefix("_"), let option = child.value as? Option<String?>
            else { continue }
            let name = flagName(String(label.dropFirst()))
            guard !excluded.contains(name), let text = option.wrappedValue else { continue }
            flags[name] = text
        }
        return flags
    }

    /// `appCredentialsFile` -> `app-credentials-file` (ArgumentParser's own spelling of the flag).
    static func flagName(_ property: String) -> String {
        var name = ""
        for character in property {
            if character.isUppercase {
                name += "-" + character.lowercased()
            } else {
                name.append(character)
            }
        }
        return name
    }
}
