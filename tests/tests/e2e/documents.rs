//! Candidate documents (issue 8, CAN-1, CAN-3, PRV-6): types by content, text extraction in the
//! helper process, photos without metadata, hostile files refused with nothing left behind,
//! encryption at rest and crypto-shredding, staff reads audited.
use std::path::PathBuf;

use etalage_core::crypto::SecretsKey;
use etalage_core::documents;
use etalage_core::store::entities::{audit_event, candidate, candidate_label, document, label};
use etalage_tests::fixtures::{self, contains, upload_body};
use etalage_tests::{Backend, Storage, TestApp, start, storage_test};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

const HOST: &str = "werkweb.localhost";

/// A logged-in candidate of werkweb: the account with the `candidate` role, its candidate row
/// linked to the label, and the CSRF token its uploads carry.
struct Candidate {
    id: i64,
    client: reqwest::Client,
    csrf: String,
}

async fn candidate(app: &TestApp, name: &str) -> Candidate {
    let (account, client) = app.person(HOST, name, "candidate", "werkweb").await;
    let now = etalage_core::time::now();
    let row = candidate::ActiveModel {
        email: Set(format!("{name}@werkweb.net")),
        name: Set(Some(name.to_string())),
        availability: Set("available".into()),
        account_id: Set(Some(account)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let werkweb = label::Entity::find()
        .filter(label::Column::Slug.eq("werkweb"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    candidate_label::ActiveModel {
        candidate_id: Set(row.id),
        label_id: Set(werkweb.id),
        source: Set("signup".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let listed = client
        .get(app.url(HOST, "/api/v1/me/documents"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let csrf = listed.headers()["x-csrf-token"]
        .to_str()
        .unwrap()
        .to_string();
    Candidate {
        id: row.id,
        client,
        csrf,
    }
}

async fn upload(
    app: &TestApp,
    who: &Candidate,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (content_type, body) = upload_body(kind, name, bytes);
    who.client
        .post(app.url(HOST, "/api/v1/me/documents"))
        .header("content-type", content_type)
        .header("x-csrf-token", &who.csrf)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads and expects 201; the new document's JSON.
async fn upload_ok(
    app: &TestApp,
    who: &Candidate,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> serde_json::Value {
    let response = upload(app, who, kind, name, bytes).await;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
    body
}

fn secrets_key(app: &TestApp) -> SecretsKey {
    SecretsKey::load_or_create(&app.storage().data_dir.path().join("secrets.key")).unwrap()
}

fn documents_dir(app: &TestApp) -> PathBuf {
    app.storage().data_dir.path().join("documents")
}

/// Every object file in the document store.
fn stored_objects(app: &TestApp) -> Vec<Vec<u8>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = Vec::new();
    walk(&documents_dir(app), &mut out);
    out
}

async fn document_rows(app: &TestApp) -> u64 {
    document::Entity::find().count(&app.db).await.unwrap()
}

/// A refused upload: the status, the problem naming `needle`, and nothing left behind.
async fn assert_refused(
    app: &TestApp,
    who: &Candidate,
    kind: &str,
    name: &str,
    bytes: &[u8],
    status: StatusCode,
    needle: &str,
) {
    let (rows, objects) = (document_rows(app).await, stored_objects(app).len());
    let response = upload(app, who, kind, name, bytes).await;
    assert_eq!(response.status(), status, "{name}");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains(needle),
        "{name}: {problem}"
    );
    assert_eq!(document_rows(app).await, rows, "{name} leaves no row");
    assert_eq!(
        stored_objects(app).len(),
        objects,
        "{name} leaves no object"
    );
}

storage_test!(
    can_1_cv_text_is_extracted_from_pdf_docx_odt_and_txt_and_stored_sealed,
    |app: TestApp| async move {
        let jan = candidate(&app, "jan").await;
        let cases: [(&str, Vec<u8>, &str); 4] = [
            ("cv.pdf", fixtures::pdf("PDFMARKER lasser"), "PDFMARKER"),
            (
                "cv.docx",
                fixtures::docx("DOCXMARKER monteur"),
                "DOCXMARKER",
            ),
            ("cv.odt", fixtures::odt("ODTMARKER heftruck"), "ODTMARKER"),
            (
                "cv.txt",
                "TXTMARKER chauffeur\nZwolle\n".as_bytes().to_vec(),
                "TXTMARKER",
            ),
        ];
        let key = secrets_key(&app);
        for (name, bytes, marker) in &cases {
            let stored = upload_ok(&app, &jan, "cv", name, bytes).await;
            let format = name.rsplit('.').next().unwrap();
            assert_eq!(stored["format"], *format);
            assert_eq!(stored["name"], *name);
            let id = stored["id"].as_str().unwrap();
            let text = documents::cv_text(&app.db, &key, jan.id, id)
                .await
                .unwrap()
                .unwrap();
            assert!(text.contains(marker), "{name}: {text:?}");
            // The download is the file as uploaded.
            let download = jan
                .client
                .get(app.url(HOST, &format!("/api/v1/me/documents/{id}")))
                .send()
                .await
                .unwrap();
            assert_eq!(download.status(), StatusCode::OK);
            assert!(
                download.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment")
            );
            assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());
        }
        // Only ciphertext in the store, under random names; no plaintext in the rows either.
        let objects = stored_objects(&app);
        assert_eq!(objects.len(), cases.len());
        for object in &objects {
            for (_, _, marker) in &cases {
                assert!(
                    !contains(object, marker.as_bytes()),
                    "{marker} in an object"
                );
            }
        }
        for entry in std::fs::read_dir(documents_dir(&app)).unwrap().flatten() {
            let name = entry.file_name().into_string().unwrap();
            assert!(uuid::Uuid::parse_str(&name).is_ok(), "object named {name}");
        }
        for row in document::Entity::find().all(&app.db).await.unwrap() {
            let text = row.text_sealed.unwrap();
            // Base64 has no dot: a file name like `cv.pdf` cannot show up by chance.
            assert!(!text.contains("MARKER") && !row.name_sealed.contains("cv."));
        }
        let listed: Vec<serde_json::Value> = jan
            .client
            .get(app.url(HOST, "/api/v1/me/documents"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed.len(), 4);
        // Removing one removes its object.
        let id = listed[0]["id"].as_str().unwrap();
        let removed = jan
            .client
            .delete(app.url(HOST, &format!("/api/v1/me/documents/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(removed.status(), StatusCode::NO_CONTENT);
        assert_eq!(stored_objects(&app).len(), 3);
        assert_eq!(document_rows(&app).await, 3);
    }
);

storage_test!(
    can_1_a_photo_comes_back_without_its_exif_gps_block,
    |app: TestApp| async move {
        let jan = candidate(&app, "jan").await;
        let marker = "EXIFMARKER-camera-4711";
        let photo = fixtures::jpeg_with_gps(marker);
        let parsed = img_parts::jpeg::Jpeg::from_bytes(photo.clone().into()).unwrap();
        assert!(
            img_parts::ImageEXIF::exif(&parsed).is_some(),
            "the fixture has EXIF"
        );
        assert!(contains(&photo, marker.as_bytes()));
        let stored = upload_ok(&app, &jan, "photo", "me.jpg", &photo).await;
        assert_eq!(stored["format"], "jpeg");
        let id = stored["id"].as_str().unwrap();
        let kept = jan
            .client
            .get(app.url(HOST, &format!("/api/v1/me/documents/{id}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let kept_jpeg = img_parts::jpeg::Jpeg::from_bytes(kept.clone()).unwrap();
        assert!(img_parts::ImageEXIF::exif(&kept_jpeg).is_none(), "no EXIF");
        assert!(!contains(&kept, marker.as_bytes()));
        assert!(!contains(&kept, b"Exif\0\0"));
        let decoded = image::load_from_memory(&kept).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (32, 24));

        // A PNG is a photo too; a PDF is not.
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::new_rgb8(4, 4)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        upload_ok(&app, &jan, "photo", "me.png", png.get_ref()).await;
        assert_refused(
            &app,
            &jan,
            "photo",
            "me.jpg",
            &fixtures::pdf("x"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/pdf",
        )
        .await;
    }
);

storage_test!(
    sec_wrong_types_and_hostile_files_are_refused_and_leave_nothing_behind,
    |app: TestApp| async move {
        let jan = candidate(&app, "jan").await;
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
        exe.extend(vec![0u8; 256]);
        assert_refused(
            &app,
            &jan,
            "cv",
            "cv.pdf",
            &exe,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "portable-executable",
        )
        .await;
        assert_refused(
            &app,
            &jan,
            "cv",
            "cv.docx",
            &fixtures::docx_bomb(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "zip bomb",
        )
        .await;
        assert_refused(
            &app,
            &jan,
            "cv",
            "cv.docx",
            &fixtures::docx_billion_laughs(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "DTD",
        )
        .await;
        assert_refused(
            &app,
            &jan,
            "cv",
            "cv.docx",
            &fixtures::zip_of(&[("notes.txt", b"hello".as_slice())]),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not a DOCX or ODT",
        )
        .await;
        let mut broken = fixtures::pdf("x");
        broken.truncate(40);
        assert_refused(
            &app,
            &jan,
            "cv",
            "cv.pdf",
            &broken,
            StatusCode::UNPROCESSABLE_ENTITY,
            "PDF",
        )
        .await;
        // 9 MiB passes the route's body limit but not a photo's.
        let mut big = fixtures::jpeg_with_gps("x");
        big.resize(9 * 1024 * 1024, 0);
        assert_refused(
            &app,
            &jan,
            "photo",
            "big.jpg",
            &big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "8 MiB",
        )
        .await;
        // Bodies beyond the route's limit are refused by axum as they stream in (413 as well);
        // sending one here would race the client's writes against the early answer.
        assert_refused(
            &app,
            &jan,
            "cv",
            "huge.txt",
            &vec![b'a'; 10 * 1024 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "10 MiB",
        )
        .await;
        let bad_kind = upload(&app, &jan, "passport", "p.txt", b"hallo").await;
        assert_eq!(bad_kind.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Without the CSRF token a multipart upload is refused: any site can send a form.
        let (content_type, body) = upload_body("cv", "cv.txt", b"hallo");
        let forged = jan
            .client
            .post(app.url(HOST, "/api/v1/me/documents"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(document_rows(&app).await, 0);
        assert!(stored_objects(&app).is_empty());
    }
);

/// A server whose document helper misbehaves as `fault` says, with a short timeout.
async fn with_fault(backend: Backend, fault: &str) -> Option<TestApp> {
    let storage = Storage::new(backend).await?;
    let fault = fault.to_string();
    Some(
        start(storage, move |config| {
            config.documents.extractor_fault = Some(fault);
            config.documents.extract_timeout_secs = 2;
        })
        .await,
    )
}

async fn helper_beyond_its_limits(backend: Backend) {
    for fault in ["memory", "loop"] {
        let Some(app) = with_fault(backend, fault).await else {
            return;
        };
        let jan = candidate(&app, "jan").await;
        let started = std::time::Instant::now();
        assert_refused(
            &app,
            &jan,
            "cv",
            "cv.pdf",
            &fixtures::pdf("hostile"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        )
        .await;
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        // The server is still there and answers.
        let listed = jan
            .client
            .get(app.url(HOST, "/api/v1/me/documents"))
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), StatusCode::OK, "after {fault}");
    }
}

mod sec_a_helper_beyond_its_memory_or_time_limit_gives_4xx_and_the_server_keeps_serving {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        helper_beyond_its_limits(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        helper_beyond_its_limits(Backend::Postgres).await;
    }
}

storage_test!(
    can_3_after_the_key_is_destroyed_no_document_opens,
    |app: TestApp| async move {
        let jan = candidate(&app, "jan").await;
        let marker = "SHREDMARKER-0193";
        let stored = upload_ok(
            &app,
            &jan,
            "cv",
            "cv.txt",
            format!("{marker} timmerman").as_bytes(),
        )
        .await;
        let id = stored["id"].as_str().unwrap().to_string();
        let object = std::fs::read(documents_dir(&app).join(&id)).unwrap();
        assert!(!contains(&object, marker.as_bytes()));

        // A backup taken now: the object. Shred the key.
        documents::destroy_key(&app.db, jan.id).await.unwrap();
        let key = secrets_key(&app);
        assert!(
            documents::keys::data_key(&app.db, &key, jan.id, false)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            documents::cv_text(&app.db, &key, jan.id, &id)
                .await
                .is_err()
        );
        let download = jan
            .client
            .get(app.url(HOST, &format!("/api/v1/me/documents/{id}")))
            .send()
            .await
            .unwrap();
        assert!(download.status().is_client_error(), "{}", download.status());
        // A new key for the same candidate does not open the old object either.
        let fresh = documents::keys::data_key(&app.db, &key, jan.id, true)
            .await
            .unwrap()
            .unwrap();
        assert!(
            fresh
                .open(&object, format!("document-file\0{id}").as_bytes())
                .is_err()
        );

        // The erasure service's call removes rows, key and objects.
        upload_ok(&app, &jan, "cv", "cv2.txt", b"metselaar").await;
        let erased = documents::erase_all_documents(&app.db, &app_store(&app), jan.id)
            .await
            .unwrap();
        assert_eq!(erased, 2);
        assert_eq!(document_rows(&app).await, 0);
        assert!(stored_objects(&app).is_empty());
        assert!(
            documents::keys::data_key(&app.db, &key, jan.id, false)
                .await
                .unwrap()
                .is_none()
        );
    }
);

fn app_store(app: &TestApp) -> documents::DocumentStore {
    documents::DocumentStore::local(&documents_dir(app)).unwrap()
}

storage_test!(
    prv_6_staff_reads_of_documents_are_audited_and_stay_in_the_label,
    |app: TestApp| async move {
        let jan = candidate(&app, "jan").await;
        let stored = upload_ok(&app, &jan, "cv", "cv.txt", b"lasser").await;
        let id = stored["id"].as_str().unwrap();
        let (_, recruiter) = app.person(HOST, "ria", "recruiter", "werkweb").await;
        let listed = recruiter
            .get(app.url(HOST, &format!("/api/v1/candidates/{}/documents", jan.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), StatusCode::OK);
        let downloaded = recruiter
            .get(app.url(
                HOST,
                &format!("/api/v1/candidates/{}/documents/{id}", jan.id),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(downloaded.status(), StatusCode::OK);
        assert_eq!(downloaded.bytes().await.unwrap().as_ref(), b"lasser");
        let reads = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("candidate.documents.read"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(reads.len(), 2);
        for read in &reads {
            assert_eq!(read.subject, format!("candidate:{}", jan.id));
            assert!(!read.details.contains("cv.txt") && !read.details.contains("lasser"));
        }
        // A recruiter of another label does not reach werkweb's candidate.
        let (_, other) = app
            .person(
                "65plus-werkt.localhost",
                "otto",
                "recruiter",
                "65plus-werkt",
            )
            .await;
        let refused = other
            .get(app.url(
                "65plus-werkt.localhost",
                &format!("/api/v1/candidates/{}/documents", jan.id),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::NOT_FOUND);
        // A candidate has no staff access, and another candidate's document is not found.
        let piet = candidate(&app, "piet").await;
        let staff = piet
            .client
            .get(app.url(HOST, &format!("/api/v1/candidates/{}/documents", jan.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(staff.status(), StatusCode::FORBIDDEN);
        let foreign = piet
            .client
            .get(app.url(HOST, &format!("/api/v1/me/documents/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    }
);

storage_test!(
    can_1_the_portal_page_uploads_lists_and_removes_documents,
    |app: TestApp| async move {
        let jan = candidate(&app, "jan").await;
        let page = app.page(&jan.client, HOST, "/documents").await;
        let marker = "/documents?csrf=";
        let start = page.find(marker).expect("the upload form") + marker.len();
        let token = &page[start..start + page[start..].find('"').unwrap()];
        let (content_type, body) = upload_body("cv", "mijn cv.txt", b"kok en afwasser");
        let posted = jan
            .client
            .post(app.url(HOST, &format!("/documents?csrf={token}")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), StatusCode::SEE_OTHER);
        let page = app.page(&jan.client, HOST, "/documents?notice=added").await;
        assert!(page.contains("mijn cv.txt"), "{page}");
        // A refused file is shown on the page with the API's status.
        let (content_type, body) = upload_body("photo", "foto.jpg", b"geen foto");
        let refused = jan
            .client
            .post(app.url(HOST, &format!("/documents?csrf={token}")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(refused.text().await.unwrap().contains("document-error"));
        let id = document::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let removed = jan
            .client
            .post(app.url(HOST, &format!("/documents/{id}/remove")))
            .form(&[("csrf", etalage_tests::csrf_token(&page))])
            .send()
            .await
            .unwrap();
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        assert_eq!(document_rows(&app).await, 0);
        assert!(stored_objects(&app).is_empty());
    }
);
