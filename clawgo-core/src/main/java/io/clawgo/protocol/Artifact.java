package io.clawgo.protocol;

import com.google.gson.annotations.SerializedName;

/** A file or media item returned by an action. Every field is optional. */
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
