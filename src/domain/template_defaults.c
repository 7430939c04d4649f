/* The templates collagenda ships for patient messages, in English, German and Spanish.
 * They name no condition, no treatment area and no treatment type: a clinic that wants
 * the type named adds {treatment_type} itself. Aftercare carries {aftercare_text}: the
 * treatment type's own advice, or the general advice below in the message's language.
 * A text message carries one link, the confirm link, whose page offers both confirming
 * and cancelling: two links would make most reminders two segments. The Spanish texts
 * avoid the accents GSM-7 lacks (á, í, ó, ú), which would make them UCS-2 and cut a
 * segment to 70 characters. */
#include <string.h>

#include "domain/templates.h"

#define E MSG_EMAIL
#define S MSG_SMS

/* clang-format off */
static const struct tmpl_default defaults[] = {
    /* English */
    {MSG_CONFIRMATION, "en", E, "Your appointment at {clinic_name} on {date}",
     "Hello {first_name},\n\n"
     "your appointment at {clinic_name} is booked for {date} at {time}. The attached "
     "calendar entry adds it to your calendar.\n\n"
     "Please confirm that you will come: {confirm_link}\n"
     "If you cannot make it, you can cancel here: {cancel_link}\n\n"
     "If you have any questions, call us on {clinic_phone}.\n\n"
     "Kind regards,\n{clinic_name}", NULL},
    {MSG_UPDATE, "en", E, "Your appointment has moved to {date}",
     "Hello {first_name},\n\n"
     "your appointment at {clinic_name} has moved. The new time is {date} at {time}.\n\n"
     "Please confirm the new time: {confirm_link}\n"
     "If it does not suit you, you can cancel here: {cancel_link}\n\n"
     "If you have any questions, call us on {clinic_phone}.\n\n"
     "Kind regards,\n{clinic_name}", NULL},
    {MSG_CANCELLATION, "en", E, "Your appointment on {date} is cancelled",
     "Hello {first_name},\n\n"
     "your appointment at {clinic_name} on {date} at {time} has been cancelled. To book "
     "a new time, please call us on {clinic_phone}.\n\n"
     "Kind regards,\n{clinic_name}", NULL},
    {MSG_REMINDER, "en", E, "Reminder: your appointment on {date} at {time}",
     "Hello {first_name},\n\n"
     "this is a reminder of your appointment at {clinic_name} on {date} at {time}.\n\n"
     "Please confirm that you will come: {confirm_link}\n"
     "If you cannot make it, you can cancel here: {cancel_link}\n\n"
     "If you have any questions, call us on {clinic_phone}.\n\n"
     "Kind regards,\n{clinic_name}", NULL},
    {MSG_RECALL, "en", E, "Time to book your next session",
     "Hello {first_name},\n\n"
     "your next session at {clinic_name} can be booked from {date}. Please call us on "
     "{clinic_phone} to choose a time that suits you.\n\n"
     "Kind regards,\n{clinic_name}", NULL},
    {MSG_RECALL_SECOND, "en", E, "A reminder to book your next session",
     "Hello {first_name},\n\n"
     "a few weeks ago we let you know that your next session at {clinic_name} could be "
     "booked from {date}. We have not found a booking yet; if you would like to go on, "
     "please call us on {clinic_phone}.\n\n"
     "Kind regards,\n{clinic_name}", NULL},
    {MSG_AFTERCARE, "en", E, "Looking after your skin after your visit",
     "Hello {first_name},\n\n"
     "thank you for your visit to {clinic_name} on {date}. A few tips for the coming "
     "days:\n\n"
     "{aftercare_text}\n\n"
     "If you have any questions, call us on {clinic_phone}.\n\n"
     "Kind regards,\n{clinic_name}", NULL},
    {MSG_UPDATE, "en", S, NULL,
     "{clinic_name}: your appointment is now on {date} at {time}. Confirm: {confirm_link}",
     NULL},
    {MSG_CANCELLATION, "en", S, NULL,
     "{clinic_name}: your appointment on {date} at {time} is cancelled. To book again, "
     "call {clinic_phone}.", NULL},
    {MSG_REMINDER, "en", S, NULL,
     "{clinic_name}: a reminder of your appointment on {date} at {time}. Confirm or "
     "cancel: {confirm_link}", NULL},
    {MSG_RECALL, "en", S, NULL,
     "{clinic_name}: hello {first_name}, your next session can be booked from {date}. "
     "Call us on {clinic_phone}.", NULL},
    {MSG_RECALL_SECOND, "en", S, NULL,
     "{clinic_name}: hello {first_name}, your next session is still waiting to be "
     "booked. Call us on {clinic_phone}.", NULL},

    /* German */
    {MSG_CONFIRMATION, "de", E, "Ihr Termin bei {clinic_name} am {date}",
     "Hallo {first_name},\n\n"
     "Ihr Termin bei {clinic_name} am {date} um {time} Uhr ist gebucht. Mit dem "
     "angehängten Kalendereintrag können Sie ihn in Ihren Kalender übernehmen.\n\n"
     "Bitte bestätigen Sie Ihren Termin: {confirm_link}\n"
     "Falls Sie nicht kommen können, sagen Sie ihn hier ab: {cancel_link}\n\n"
     "Bei Fragen erreichen Sie uns unter {clinic_phone}.\n\n"
     "Freundliche Grüße\n{clinic_name}", NULL},
    {MSG_UPDATE, "de", E, "Ihr Termin wurde auf {date} verschoben",
     "Hallo {first_name},\n\n"
     "Ihr Termin bei {clinic_name} wurde verschoben. Der neue Termin ist am {date} um "
     "{time} Uhr.\n\n"
     "Bitte bestätigen Sie den neuen Termin: {confirm_link}\n"
     "Falls er Ihnen nicht passt, sagen Sie ihn hier ab: {cancel_link}\n\n"
     "Bei Fragen erreichen Sie uns unter {clinic_phone}.\n\n"
     "Freundliche Grüße\n{clinic_name}", NULL},
    {MSG_CANCELLATION, "de", E, "Ihr Termin am {date} wurde abgesagt",
     "Hallo {first_name},\n\n"
     "Ihr Termin bei {clinic_name} am {date} um {time} Uhr wurde abgesagt. Für einen "
     "neuen Termin rufen Sie uns bitte unter {clinic_phone} an.\n\n"
     "Freundliche Grüße\n{clinic_name}", NULL},
    {MSG_REMINDER, "de", E, "Erinnerung: Ihr Termin am {date} um {time} Uhr",
     "Hallo {first_name},\n\n"
     "wir möchten Sie an Ihren Termin bei {clinic_name} am {date} um {time} Uhr "
     "erinnern.\n\n"
     "Bitte bestätigen Sie Ihren Termin: {confirm_link}\n"
     "Falls Sie nicht kommen können, sagen Sie ihn hier ab: {cancel_link}\n\n"
     "Bei Fragen erreichen Sie uns unter {clinic_phone}.\n\n"
     "Freundliche Grüße\n{clinic_name}", NULL},
    {MSG_RECALL, "de", E, "Zeit für Ihre nächste Sitzung",
     "Hallo {first_name},\n\n"
     "Ihre nächste Sitzung bei {clinic_name} kann ab {date} gebucht werden. Rufen Sie "
     "uns gern unter {clinic_phone} an, um einen passenden Termin zu vereinbaren.\n\n"
     "Freundliche Grüße\n{clinic_name}", NULL},
    {MSG_RECALL_SECOND, "de", E, "Erinnerung an Ihre nächste Sitzung",
     "Hallo {first_name},\n\n"
     "vor einigen Wochen haben wir Ihnen geschrieben, dass Ihre nächste Sitzung bei "
     "{clinic_name} ab {date} gebucht werden kann. Bisher ist noch kein Termin gebucht. "
     "Wenn Sie weitermachen möchten, rufen Sie uns bitte unter {clinic_phone} an.\n\n"
     "Freundliche Grüße\n{clinic_name}", NULL},
    {MSG_AFTERCARE, "de", E, "Pflegehinweise nach Ihrem Besuch",
     "Hallo {first_name},\n\n"
     "vielen Dank für Ihren Besuch bei {clinic_name} am {date}. Einige Hinweise für die "
     "nächsten Tage:\n\n"
     "{aftercare_text}\n\n"
     "Bei Fragen erreichen Sie uns unter {clinic_phone}.\n\n"
     "Freundliche Grüße\n{clinic_name}", NULL},
    {MSG_UPDATE, "de", S, NULL,
     "{clinic_name}: Ihr Termin ist jetzt am {date} um {time} Uhr. Bestätigen: "
     "{confirm_link}", NULL},
    {MSG_CANCELLATION, "de", S, NULL,
     "{clinic_name}: Ihr Termin am {date} um {time} Uhr wurde abgesagt. Neuer Termin "
     "unter {clinic_phone}.", NULL},
    {MSG_REMINDER, "de", S, NULL,
     "{clinic_name}: Erinnerung an Ihren Termin am {date} um {time} Uhr. Bestätigen "
     "oder absagen: {confirm_link}", NULL},
    {MSG_RECALL, "de", S, NULL,
     "{clinic_name}: Hallo {first_name}, Ihre nächste Sitzung kann ab {date} gebucht "
     "werden. Tel. {clinic_phone}", NULL},
    {MSG_RECALL_SECOND, "de", S, NULL,
     "{clinic_name}: Hallo {first_name}, Ihre nächste Sitzung ist noch nicht gebucht. "
     "Tel. {clinic_phone}", NULL},

    /* Spanish */
    {MSG_CONFIRMATION, "es", E, "Su cita en {clinic_name} el {date}",
     "Hola, {first_name}:\n\n"
     "su cita en {clinic_name} está reservada para el {date} a las {time}. Con el "
     "archivo de calendario adjunto puede añadirla a su calendario.\n\n"
     "Por favor, confirme su asistencia: {confirm_link}\n"
     "Si no puede venir, puede cancelarla aquí: {cancel_link}\n\n"
     "Si tiene alguna pregunta, llámenos al {clinic_phone}.\n\n"
     "Un cordial saludo,\n{clinic_name}", NULL},
    {MSG_UPDATE, "es", E, "Su cita se ha cambiado al {date}",
     "Hola, {first_name}:\n\n"
     "su cita en {clinic_name} ha cambiado. La nueva cita es el {date} a las {time}.\n\n"
     "Por favor, confirme la nueva hora: {confirm_link}\n"
     "Si no le viene bien, puede cancelarla aquí: {cancel_link}\n\n"
     "Si tiene alguna pregunta, llámenos al {clinic_phone}.\n\n"
     "Un cordial saludo,\n{clinic_name}", NULL},
    {MSG_CANCELLATION, "es", E, "Su cita del {date} ha sido cancelada",
     "Hola, {first_name}:\n\n"
     "su cita en {clinic_name} del {date} a las {time} ha sido cancelada. Para reservar "
     "una nueva cita, llámenos al {clinic_phone}.\n\n"
     "Un cordial saludo,\n{clinic_name}", NULL},
    {MSG_REMINDER, "es", E, "Recordatorio: su cita el {date} a las {time}",
     "Hola, {first_name}:\n\n"
     "le recordamos su cita en {clinic_name} el {date} a las {time}.\n\n"
     "Por favor, confirme su asistencia: {confirm_link}\n"
     "Si no puede venir, puede cancelarla aquí: {cancel_link}\n\n"
     "Si tiene alguna pregunta, llámenos al {clinic_phone}.\n\n"
     "Un cordial saludo,\n{clinic_name}", NULL},
    {MSG_RECALL, "es", E, "Ya puede reservar su próxima sesión",
     "Hola, {first_name}:\n\n"
     "ya puede reservar su próxima sesión en {clinic_name} a partir del {date}. "
     "Llámenos al {clinic_phone} para elegir la hora que mejor le convenga.\n\n"
     "Un cordial saludo,\n{clinic_name}", NULL},
    {MSG_RECALL_SECOND, "es", E, "Recordatorio: reserve su próxima sesión",
     "Hola, {first_name}:\n\n"
     "hace unas semanas le avisamos de que podía reservar su próxima sesión en "
     "{clinic_name} a partir del {date}. Todavía no tenemos ninguna cita reservada; si "
     "desea continuar, llámenos al {clinic_phone}.\n\n"
     "Un cordial saludo,\n{clinic_name}", NULL},
    {MSG_AFTERCARE, "es", E, "Cuidados después de su visita",
     "Hola, {first_name}:\n\n"
     "gracias por su visita a {clinic_name} el {date}. Algunos consejos para los "
     "próximos días:\n\n"
     "{aftercare_text}\n\n"
     "Si tiene alguna pregunta, llámenos al {clinic_phone}.\n\n"
     "Un cordial saludo,\n{clinic_name}", NULL},
    {MSG_UPDATE, "es", S, NULL,
     "{clinic_name}: su cita es ahora el {date} a las {time}. Confirmar: {confirm_link}",
     NULL},
    {MSG_CANCELLATION, "es", S, NULL,
     "{clinic_name}: su cita del {date} a las {time} ha sido cancelada. Para otra cita, "
     "llame al {clinic_phone}.", NULL},
    {MSG_REMINDER, "es", S, NULL,
     "{clinic_name}: le recordamos su cita el {date} a las {time}. Confirmar o "
     "cancelar: {confirm_link}", NULL},
    {MSG_RECALL, "es", S, NULL,
     "{clinic_name}: hola, {first_name}. Ya puede reservar su siguiente cita a partir "
     "del {date}. Tel. {clinic_phone}", NULL},
    {MSG_RECALL_SECOND, "es", S, NULL,
     "{clinic_name}: hola, {first_name}. Su siguiente cita sigue pendiente de "
     "reservar. Tel. {clinic_phone}", NULL},
};
/* clang-format on */

const struct tmpl_default *tmpl_default_find(int kind, const char *lang, int channel)
{
	if (!lang)
		return NULL;
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (defaults[i].kind == kind && defaults[i].channel == channel &&
		    strcmp(defaults[i].language, lang) == 0)
			return &defaults[i];
	return NULL;
}

/* The general aftercare advice, per shipped language (tmpl_languages' order). */
static const char *const general_advice[][2] = {
    {"en", "- Keep your skin clean and moist.\n"
	   "- Avoid very hot or very cold temperatures, and the sun.\n"
	   "- Use the hyaluronic acid we recommended.\n\n"
	   "Some redness for a few days is expected."},
    {"de", "- Halten Sie Ihre Haut sauber und feucht.\n"
	   "- Meiden Sie sehr heiße oder sehr kalte Temperaturen und die Sonne.\n"
	   "- Verwenden Sie die empfohlene Hyaluronsäure.\n\n"
	   "Eine Rötung für einige Tage ist normal."},
    {"es", "- Mantenga la piel limpia e hidratada.\n"
	   "- Evite las temperaturas muy altas o muy bajas, y el sol.\n"
	   "- Use el ácido hialurónico que le recomendamos.\n\n"
	   "Es normal que la piel esté enrojecida durante unos días."},
};

const char *tmpl_aftercare_general(const char *lang)
{
	for (size_t i = 0; lang && i < sizeof general_advice / sizeof general_advice[0]; i++)
		if (strcmp(general_advice[i][0], lang) == 0)
			return general_advice[i][1];
	return general_advice[0][1];
}
