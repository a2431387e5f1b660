import ArgumentParser

/// The configuration flags a command was given, collected from its `@Option var x: String?` properties, so
/// the executables declare each flag once (its help from the key table, `ConfigKey.help`) and never map
/// flags to settings themselves: `ConfigurationReader` applies them with the same table as the file.
public enum ConfigFlags {
    /// Each optional text option that was given (and each repeated `[String]` option given at least once), by its flag name without dashes (`nodeId` -> `node-id`),
    /// skipping `excluded` (flags that are not configuration keys, e.g. `config`).
    public static func given(in command: some ParsableArguments, excluding excluded: Set<String> = ["config"])
        -> [String: String]
    {
        var flags: [String: String] = [:]
        for child in Mirror(reflecting: command).children {
            guard let label = child.label, label.hasPrefix("_") else { continue }
            let name = flagName(String(label.dropFirst()))
            guard !excluded.contains(name) else { continue }
            if let option = child.value as? Option<String?>, let text = option.wrappedValue {
                flags[name] = text
            } else if let option = child.value as? Option<[String]>, !option.wrappedValue.isEmpty {
                // A repeated flag (`--hub A --hub B`): its values one per line, for a key that takes a list
                // split at whitespace (`hub`); a value holding a newline stays refused by that key's check.
                flags[name] = option.wrappedValue.joined(separator: "\n")
            }
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
