package io.clawgo.protocol;

import com.google.gson.annotations.SerializedName;

/**
 * A file or media item returned by an action, part of the clawgo wire model. Every field is optional; empty ones are
 * omitted from JSON. The library carries these fields as they are and interprets none of them.
 *
 * @param id            artifact id
 * @param name          file or display name
 * @param kind          free-form kind, for example {@code image}
 * @param mimeType      MIME type ({@code mime_type})
 * @param storage       how the content is stored, for example {@code inline}
 * @param path          path of the content
 * @param url           URL of the content
 * @param contentText   the content as text ({@code content_text})
 * @param contentBase64 the content as Base64 ({@code content_base64})
 * @param sizeBytes     size of the content in bytes ({@code size_bytes})
 * @param sourcePath    the path the content was read from ({@code source_path})
 * @param truncated     whether the content was cut short
 */
public record Artifact(
        String id,
        String name,
        String kind,
        @SerializedName("mime_type") String mimeType,
        String storage,
        String path,
        String url,
        @SerializedName("content_text") String contentText,
        @SerializedName("content_base64") String contentBase64,
        @SerializedName("size_bytes") Long sizeBytes,
        @SerializedName("source_path") String sourcePath,
        Boolean truncated) {
}
