package io.qcow2conformance.harness.runner;

import java.util.regex.Pattern;

/** A glob over IDs: {@code *} matches any run of characters (slashes included), {@code ?} one. */
public record Glob(String text, Pattern pattern) {
    public static Glob of(String text) {
        StringBuilder re = new StringBuilder();
        for (char c : text.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new Glob(text, Pattern.compile(re.toString()));
    }

    public boolean matches(String id) {
        return pattern.matcher(id).matches();
    }
}
