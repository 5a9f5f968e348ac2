package io.qcow2conformance.harness.runner;

import io.qcow2conformance.harness.runner.Manifest.Image;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which images a run takes. {@code only} and {@code skip} globs match the image ID or any of
 * its rule IDs; {@code profile} keeps v2 or v3 images; an image that depends on spec proposals
 * runs only when every one of them is enabled (the published spec needs none).
 */
public record Filters(List<Glob> only, List<Glob> skip, Optional<String> profile, Set<String> proposals) {
    public static final Filters ALL = new Filters(List.of(), List.of(), Optional.empty(), Set.of());

    public Filters {
        only = List.copyOf(only);
        skip = List.copyOf(skip);
        proposals = Set.copyOf(proposals);
    }

    public boolean selects(Image image) {
        return (only.isEmpty() || only.stream().anyMatch(g -> matches(g, image)))
                && skip.stream().noneMatch(g -> matches(g, image))
                && profile.map(p -> p.equals(image.profile())).orElse(true)
                && proposals.containsAll(image.proposals());
    }

    private static boolean matches(Glob g, Image image) {
        return g.matches(image.id()) || image.rules().stream().anyMatch(g::matches)
                || (image.expect().brokenRule() != null && g.matches(image.expect().brokenRule()));
    }
}
