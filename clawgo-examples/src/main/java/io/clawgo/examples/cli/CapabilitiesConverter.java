package io.clawgo.examples.cli;

import io.clawgo.protocol.Capabilities;
import picocli.CommandLine;

/** {@code --capabilities run,invoke,model}: an unknown token is a usage error naming it. */
final class CapabilitiesConverter implements CommandLine.ITypeConverter<Capabilities> {
    @Override
    public Capabilities convert(String value) {
        try {
            return Capabilities.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
