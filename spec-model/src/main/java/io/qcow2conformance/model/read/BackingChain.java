package io.qcow2conformance.model.read;

import io.qcow2conformance.model.crypto.Secret;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Opens a qcow2 image together with its backing chain (spec: Header, backing_file_offset;
 * String header extensions, backing file format name) and the external data file of each
 * qcow2 image in it (spec: Header, incompatible bit 2; External data file name).
 *
 * <p>A backing file name is resolved against the folder of the image that names it. Names
 * that are absolute, or that leave that folder once {@code ..} and symbolic links are
 * resolved, are refused ({@link Rule#PATH_OUTSIDE_IMAGE_FOLDER}) unless
 * {@link Limits#allowOutsidePaths()}. The format comes from the backing format extension
 * ({@code qcow2} or {@code raw}); without one the file is probed: the qcow2 magic means
 * qcow2, anything else raw. The chain is at most {@link Limits#maxBackingDepth()} backing
 * files deep and never names the same file twice. Encrypted images in the chain are
 * decrypted with the one {@link Secret} given (QEMU takes a secret per image).
 *
 * <p>An external data file name is resolved the same way, with the same folder rule. The
 * top image's data file can be given instead by {@link OpenOptions#dataFile()} (the user's
 * choice, taken as given, like the image path itself).
 */
public final class BackingChain {
    private BackingChain() {
    }

    /** Opens the qcow2 image at {@code path} and everything beneath it, with no passphrase. */
    public static Qcow2Disk open(Path path, Limits limits) {
        return open(path, OpenOptions.of(limits));
    }

    /** Opens the qcow2 image at {@code path} and everything beneath it, as {@code options} say. */
    public static Qcow2Disk open(Path path, OpenOptions options) {
        Qcow2Image top = Qcow2Image.open(path, options.limits());
        try {
            List<Path> seen = new ArrayList<>();
            seen.add(realPath(path, top.path()));
            return layer(top, seen, options.dataFile(), options.secret());
        } catch (RuntimeException e) {
            top.close();
            throw e;
        }
    }

    /**
     * The disk beneath an already opened image (null when it names no backing file), for
     * callers that open the image themselves. The image itself stays open and owned by the caller.
     */
    public static GuestDisk openBacking(Qcow2Image image) {
        return openBacking(image, Secret.NONE);
    }

    /** As {@link #openBacking(Qcow2Image)}, decrypting encrypted backing images with {@code secret}. */
    public static GuestDisk openBacking(Qcow2Image image, Secret secret) {
        return beneath(image.path(), image.header(), image.extensions(), image.backingFileName(),
                new OpenOptions(image.limits(), null, secret));
    }

    /**
     * The disk beneath an image whose header {@code h} and extensions {@code ext} the caller
     * has decoded from {@code src} itself (the checker), or null when it names no backing
     * file: the image is not decoded again. {@code src} stays open and owned by the caller;
     * {@link OpenOptions#dataFile()} is not used (it is the top image's).
     */
    public static GuestDisk openBacking(ImageSource src, Header h, HeaderExtensions ext, OpenOptions options) {
        return beneath(src.path(), h, ext, ExtensionsDecoder.backingFileName(src, h), options);
    }

    private static GuestDisk beneath(Path imagePath, Header h, HeaderExtensions ext, String name,
                                     OpenOptions options) {
        List<Path> seen = new ArrayList<>();
        seen.add(realPath(imagePath, imagePath));
        return backingOf(imagePath, h, ext, name, options.limits(), seen, options.secret());
    }

    /** Wraps {@code image} (owned from here on) with its data file and backing chain. */
    private static Qcow2Disk layer(Qcow2Image image, List<Path> seen, Path dataFileOverride, Secret secret) {
        ImageSource data = openDataFile(image, dataFileOverride);
        GuestDisk backing = null;
        try {
            backing = backingOf(image.path(), image.header(), image.extensions(), image.backingFileName(),
                    image.limits(), seen, secret);
            return new Qcow2Disk(image, backing, data, secret);
        } catch (RuntimeException e) {
            if (backing != null) {
                backing.close();
            }
            if (data != null) {
                data.close();
            }
            throw e;
        }
    }

    /**
     * The external data file of {@code image}, opened, or null when incompatible bit 2 is
     * clear (spec: Header, incompatible_features bit 2 and autoclear_features bit 1).
     * {@code override} (null: none) is used instead of the stored name. Refuses the raw
     * external data bit without the data file bit, and a missing or unresolvable file.
     */
    public static ImageSource openDataFile(Qcow2Image image, Path override) {
        return openDataFile(image.path(), image.header(), image.extensions(), image.limits(), override);
    }

    /** As {@link #openDataFile(Qcow2Image, Path)}, for callers that decode the header themselves (the checker). */
    public static ImageSource openDataFile(Path imagePath, Header h, HeaderExtensions extensions, Limits limits,
                                           Path override) {
        if (!h.externalDataFile()) {
            if (h.hasAutoclear(Header.AUTOCLEAR_DATA_FILE_RAW)) {
                throw new ImageException(Rule.HEADER_AUTOCLEAR_RAW_WITHOUT_DATA_FILE, "autoclear_features", 88,
                        Rule.HEADER_AUTOCLEAR_RAW_WITHOUT_DATA_FILE.format());
            }
            return null;
        }
        Path file;
        String name;
        long nameOffset;
        if (override != null) {
            name = override.toString();
            nameOffset = 72;
            file = override;
        } else {
            HeaderExtension.ExternalDataFile ext = extensions.last(HeaderExtension.ExternalDataFile.class)
                    .orElseThrow(() -> NamedFile.DATA.missing("(none)", 72,
                            "the image has the external data file bit but names no data file (give one with --data-file)"));
            name = ext.name();
            nameOffset = ext.offset() + 8;
            file = resolve(imagePath, name, limits, nameOffset, NamedFile.DATA);
        }
        try {
            return ImageSource.open(file);
        } catch (ImageException e) {
            throw NamedFile.DATA.missing(name, nameOffset, e.detail());
        }
    }

    /** The disk beneath the image at {@code imagePath} that names the backing file {@code name} (null: none). */
    private static GuestDisk backingOf(Path imagePath, Header h, HeaderExtensions ext, String name, Limits limits,
                                       List<Path> seen, Secret secret) {
        if (name == null) {
            return null;
        }
        long nameOffset = h.backingFileOffset();
        if (seen.size() > limits.maxBackingDepth()) {
            throw new ImageException(Rule.LIMIT_BACKING_DEPTH, "backing file name", nameOffset,
                    Rule.LIMIT_BACKING_DEPTH.format(limits.maxBackingDepth()));
        }
        Path file = resolve(imagePath, name, limits, nameOffset, NamedFile.BACKING);
        if (seen.contains(file)) {
            throw new ImageException(Rule.BACKING_LOOP, "backing file name", nameOffset,
                    Rule.BACKING_LOOP.format(chain(seen, file)));
        }
        String format = format(ext);
        ImageSource src;
        try {
            src = ImageSource.open(file);
        } catch (ImageException e) {
            throw NamedFile.BACKING.missing(name, nameOffset, e.detail());
        }
        try {
            if (format.equals("raw") || (format.equals("probe") && !isQcow2(src))) {
                return new RawDisk(src);
            }
            Qcow2Image below = Qcow2Image.open(src, limits);
            seen.add(file);
            return layer(below, seen, null, secret);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /** The backing format: from the extension, else probed by the caller's file magic. */
    private static String format(HeaderExtensions extensions) {
        HeaderExtension.BackingFormat ext = extensions.last(HeaderExtension.BackingFormat.class).orElse(null);
        if (ext == null) {
            return "probe";
        }
        String f = ext.name().toLowerCase(Locale.ROOT);
        if (!f.equals("qcow2") && !f.equals("raw")) {
            throw new ImageException(Rule.BACKING_FORMAT_KNOWN, "backing file format", ext.offset(),
                    Rule.BACKING_FORMAT_KNOWN.format(ext.name()));
        }
        return f;
    }

    /** Resolves a backing or data file name to the real path of a regular file, enforcing the folder rule. */
    private static Path resolve(Path imagePath, String name, Limits limits, long nameOffset, NamedFile kind) {
        Path folder = imagePath.toAbsolutePath().getParent();
        Path named;
        try {
            named = Path.of(name);
        } catch (InvalidPathException e) {
            throw kind.missing(name, nameOffset, "not a valid path: " + e.getReason());
        }
        if (name.isEmpty()) {
            throw kind.missing(name, nameOffset, "the name is empty");
        }
        Path joined = folder.resolve(named).normalize();
        if (!limits.allowOutsidePaths() && (named.isAbsolute() || !joined.startsWith(folder.normalize()))) {
            throw kind.outside(name, nameOffset);
        }
        if (!Files.exists(joined)) {
            throw kind.missing(name, nameOffset, "no such file: " + joined);
        }
        Path real;
        try {
            real = joined.toRealPath();
            if (!limits.allowOutsidePaths() && !real.startsWith(folder.toRealPath())) {
                throw kind.outside(name, nameOffset);
            }
        } catch (IOException e) {
            throw kind.missing(name, nameOffset, "cannot resolve " + joined + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(real)) {
            throw kind.missing(name, nameOffset, "not a regular file: " + real);
        }
        return real;
    }

    private static Path realPath(Path path, Path opened) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return opened.toAbsolutePath().normalize();
        }
    }

    private static String chain(List<Path> seen, Path again) {
        StringBuilder b = new StringBuilder();
        for (Path p : seen) {
            b.append(p.getFileName()).append(" -> ");
        }
        return b.append(again.getFileName()).toString();
    }

    /** The files an image names, each with the rule that a missing one breaks. */
    private enum NamedFile {
        BACKING("backing file", Rule.BACKING_MISSING),
        DATA("external data file", Rule.DATA_FILE_READABLE);

        private final String label;
        private final Rule missingRule;

        NamedFile(String label, Rule missingRule) {
            this.label = label;
            this.missingRule = missingRule;
        }

        ImageException missing(String name, long offset, String why) {
            return new ImageException(missingRule, label + " name", offset, missingRule.format("'" + name + "'", why));
        }

        ImageException outside(String name, long offset) {
            return new ImageException(Rule.PATH_OUTSIDE_IMAGE_FOLDER, label + " name", offset,
                    Rule.PATH_OUTSIDE_IMAGE_FOLDER.format(label, name));
        }
    }

    /** True when the file starts with the qcow2 magic. */
    static boolean isQcow2(ImageSource src) {
        if (src.size() < 4) {
            return false;
        }
        ByteBuffer b = src.read(0, 4, Rule.FILE_STRUCTURE_IN_BOUNDS, "magic");
        return (b.getInt() & 0xffffffffL) == Header.MAGIC;
    }
}
